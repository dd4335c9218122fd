//go:build !linux

package signer

import "errors"

// errConsoleOS says the console prompt is only built for Linux.
var errConsoleOS = errors.New("the console prompt needs Linux terminal ioctls; run signet on Linux")

type termState struct{}

func getTermState(fd int) (*termState, error) { return nil, errConsoleOS }
func makeRaw(fd int) (*termState, error)      { return nil, errConsoleOS }
func (s *termState) restore(fd int) error     { return errConsoleOS }
func termSize(fd int) (rows, cols int)        { return 24, 80 }
func setNonblock(fd int, on bool) error       { return errConsoleOS }
func dupFD(fd int) (int, error)               { return -1, errConsoleOS }
func flushInput(fd int) error                 { return errConsoleOS }

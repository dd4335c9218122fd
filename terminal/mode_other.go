//go:build !linux

package terminal

import "errors"

// errOS says the terminal code is only built for Linux.
var errOS = errors.New("the console needs Linux terminal ioctls; run signet on Linux")

type state struct{}

func getState(fd int) (*state, error)   { return nil, errOS }
func makeRaw(fd int) (*state, error)    { return nil, errOS }
func echoOff(fd int) (*state, error)    { return nil, errOS }
func (s *state) restore(fd int) error   { return errOS }
func size(fd int) (rows, cols int)      { return 24, 80 }
func setNonblock(fd int, on bool) error { return errOS }
func dupFD(fd int) (int, error)         { return -1, errOS }
func flushInput(fd int) error           { return errOS }

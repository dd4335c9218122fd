// Package udev holds the files the signet package installs around the
// binary: the systemd unit, udev rules, a polkit rule for pcscd and a
// sysusers file (packaging/signet.yaml).
// Its tests check them with systemd's own tools where this machine has
// them and with strict parsers of our own otherwise.
package udev

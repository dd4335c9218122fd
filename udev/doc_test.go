// Package udev holds the files the appliance installs around signet: the
// systemd unit, udev rules, a polkit rule for pcscd and a sysusers file.
// Its tests check them with systemd's own tools where this machine has
// them and with strict parsers of our own otherwise.
package udev

package main

import (
	"slices"
	"strings"
	"testing"
)

func TestOneDashFlags(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"-dir d -keygen", "--dir d --keygen"},
		{"-wireguard w.json -metrics-port=9464 -hostname r", "--wireguard w.json --metrics-port=9464 --hostname r"},
		{"--dir d -keygen", "--dir d --keygen"},
		// A value is never rewritten, whatever it looks like.
		{"-hostname -keygen -dir -x", "--hostname -keygen --dir -x"},
		{"--hostname -keygen", "--hostname -keygen"},
		{"--hostname=-keygen -keygen", "--hostname=-keygen --keygen"},
		// Booleans take no separate value.
		{"-keygen -dir d", "--keygen --dir d"},
		{"-keygen=true -dir d", "--keygen=true --dir d"},
		// Shorthands and unknown flags are cobra's to judge.
		{"-h", "-h"},
		{"-frob -dir d", "-frob --dir d"},
		{"-help", "--help"},
		// From the first argument on, nothing is touched.
		{"version -json", "version -json"},
		{"-dir d version -dir x", "--dir d version -dir x"},
		{"-dir d -- -keygen", "--dir d -- -keygen"},
		{"- -keygen", "- -keygen"},
	}
	for _, tt := range tests {
		got := oneDashFlags(newRootCmd(), strings.Fields(tt.in))
		if !slices.Equal(got, strings.Fields(tt.want)) {
			t.Errorf("oneDashFlags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

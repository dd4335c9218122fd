package main

import (
	"encoding/pem"
	"io"
)

// writePEM writes a DER certificate as PEM.
func writePEM(w io.Writer, der []byte) error {
	return pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: der})
}

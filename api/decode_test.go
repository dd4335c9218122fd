package api

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDecodeStrict(t *testing.T) {
	type body struct {
		A int    `json:"a"`
		B string `json:"b,omitempty"`
	}
	cases := []struct {
		in, want string // want "" means no error
	}{
		{`{"a":1}`, ""},
		{"{\"a\":1}\n \t", ""},
		{`{"a":1,"b":"` + strings.Repeat("x", 18) + `"}`, ""}, // exactly 32 bytes
		{`{"a":1,"c":2}`, `the body is not valid JSON for this API: json: unknown field "c"`},
		{`{"a":`, "the body is not valid JSON for this API: unexpected EOF"},
		{``, "the body is not valid JSON for this API: EOF"},
		{`{"a":"x"}`, "the body is not valid JSON for this API: json: cannot unmarshal"},
		{`{"a":1} {"a":2}`, "the body has data after its JSON object"},
		{`{"a":1}]`, "the body has data after its JSON object"},
		{`{"a":1,"b":"` + strings.Repeat("x", 19) + `"}`, "the body is larger than the 32-byte limit"},
		{`{"a":1}` + strings.Repeat(" ", 40), "the body is larger than the 32-byte limit"},
	}
	for _, c := range cases {
		var v body
		err := DecodeStrict(strings.NewReader(c.in), 32, "the body", &v)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
	var tl *TooLargeError
	err := DecodeStrict(strings.NewReader(strings.Repeat(" ", 100)), 10, "the body", &struct{}{})
	if !errors.As(err, &tl) || tl.Limit != 10 || tl.What != "the body" {
		t.Fatalf("a body over the limit: %v, want a *TooLargeError", err)
	}
}

// A failing reader is reported as such, not as bad JSON.
func TestDecodeStrictReadError(t *testing.T) {
	boom := errors.New("connection reset")
	err := DecodeStrict(iotest.OneByteReader(strings.NewReader(`{"a":1}`)), 1<<10, "the request", &struct{ A int }{})
	if err != nil {
		t.Fatalf("a reader giving a byte at a time is fine: %v", err)
	}
	r := io.MultiReader(strings.NewReader(`{"a":`), iotest.ErrReader(boom))
	err = DecodeStrict(r, 1<<10, "the request", &struct{ A int }{})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "reading the request: ") {
		t.Fatalf("read error: %v", err)
	}
}

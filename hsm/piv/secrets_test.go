package piv

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestSecretsStayOutOfErrors drives every failure path with known secrets
// and checks that no error or touch message carries them, in text or hex.
func TestSecretsStayOutOfErrors(t *testing.T) {
	card := testCard(t)
	ctx := context.Background()
	var out []string
	record := func(err error) {
		if err != nil {
			out = append(out, err.Error())
		}
	}
	first, err := Provision(ctx, ProvisionOptions{Prompt: freshPrompt(), ReturnManagementKey: true})
	if err != nil {
		t.Fatal(err)
	}
	mgm := bytes.Clone(first.ManagementKey)
	wrong := &prompt{answers: map[string]string{
		WhyCurrentPIN: "87878787", WhyNewPIN: testPIN, WhyCurrentPUK: "56565656", WhyNewPUK: testPUK,
		WhyManagementKey: hex.EncodeToString(mgm[:23]) + "00",
	}}
	_, err = Provision(ctx, ProvisionOptions{Prompt: wrong, Overwrite: true})
	record(err)
	wrong.answers[WhyCurrentPIN] = testPIN
	_, err = Provision(ctx, ProvisionOptions{Prompt: wrong, Overwrite: true})
	record(err)

	p := &prompt{pin: "87878787"}
	k, err := Open(ctx, Options{Serial: testSerial, Prompt: p, Touch: func(m string) { out = append(out, m) }})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for range 3 {
		_, err := k.Sign(ctx, hashOf(0))
		record(err)
	}
	k.opts.Prompt = &prompt{answers: map[string]string{WhyPUK: "56565656", WhyNewPIN: testPIN}}
	record(k.Unblock(ctx))
	card.SetTouch(func() error { return errors.New("timeout") })
	k.opts.Prompt = &prompt{answers: map[string]string{WhyPUK: testPUK, WhyNewPIN: testPIN}, pin: testPIN}
	if err := k.Unblock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = k.Sign(ctx, hashOf(1))
	record(err)
	if len(out) < 7 {
		t.Fatalf("only %d errors and messages collected: %q", len(out), out)
	}
	secrets := []string{testPIN, testPUK, "87878787", "56565656", hex.EncodeToString(mgm), fmt.Sprintf("%X", mgm), string(mgm)}
	for _, line := range out {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("secret leaked into %q", line)
			}
		}
	}
	t.Logf("checked %d lines, e.g. %q", len(out), out)
}

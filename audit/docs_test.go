package audit

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestDeliveryDocSaysWhereASignatureIs keeps docs/delivery.md true: the
// journal holds only a signature's hash, so the runbook must not send the
// operator to 'journal show --id' for it, and the review field it names
// must be the one this package writes.
func TestDeliveryDocSaysWhereASignatureIs(t *testing.T) {
	b, err := os.ReadFile("../docs/delivery.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if strings.Contains(doc, "journal show --id ID` finds it") {
		t.Error("docs/delivery.md still says journal show --id finds a signature")
	}
	f, _ := reflect.TypeOf(Finding{}).FieldByName("Signature")
	field := strings.Split(f.Tag.Get("json"), ",")[0]
	for _, want := range []string{"signatures.jsonl", "`signet review --status-json FILE --json`", "`" + SectionIssued + "` finding's `" + field + "`"} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/delivery.md does not say %q", want)
		}
	}
}

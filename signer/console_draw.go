package signer

import (
	"fmt"
	"time"
)

// countdown formats the time left before the request is denied.
func countdown(left time.Duration) string {
	s := int((left + time.Second - 1) / time.Second)
	return fmt.Sprintf("%dm%02ds", s/60, s%60)
}

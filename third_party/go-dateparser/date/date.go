// Package date holds the result type of the go-dateparser stand-in.
package date

import "time"

// Date is a parsed date; the stand-in never fills one.
type Date struct {
	Locale string
	Time   time.Time
}

// IsZero reports whether the date is empty.
func (d Date) IsZero() bool { return d.Time.IsZero() }

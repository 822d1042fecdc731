package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the report as indented JSON, the form kept beside
// BENCHMARKS.md so that later runs and other tools can compare figures.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Keep "<", ">" and "&" readable in error texts and commands; the file
	// is never embedded in HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: writing JSON: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON. Unknown fields are ignored
// so that reports of older and newer suites stay readable; anything after
// the report is an error, since it means the file is not one report.
func ReadJSON(rd io.Reader) (*Report, error) {
	dec := json.NewDecoder(rd)
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("report: reading JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("report: reading JSON: unexpected data after the report")
	}
	return &r, nil
}

package report

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	want := sampleReport()
	var buf bytes.Buffer
	if err := want.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n  \"machine\"") {
		t.Errorf("JSON is not indented:\n%.200s", buf.String())
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the report:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestReadJSONRejectsTrailingData(t *testing.T) {
	if _, err := ReadJSON(strings.NewReader(`{"reps": 3} {"reps": 4}`)); err == nil {
		t.Error("two reports read as one")
	}
	if _, err := ReadJSON(strings.NewReader(`{"reps": 3`)); err == nil {
		t.Error("truncated report read")
	}
	if r, err := ReadJSON(strings.NewReader("{\"reps\": 3, \"future\": 1}\n")); err != nil || r.Reps != 3 {
		t.Errorf("ReadJSON = %+v, %v; want reps 3 despite an unknown field", r, err)
	}
}

package rules

import (
	"testing"
	"time"
)

func TestEffectivityContains(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return tm
	}
	tests := []struct {
		name string
		e    *Effectivity
		t    time.Time
		want bool
	}{
		{"nil is always", nil, at("1999-01-01T00:00:00Z"), true},
		{"date start inclusive at midnight UTC", &Effectivity{Start: "2024-06-01"}, at("2024-06-01T00:00:00Z"), true},
		{"date start excludes the day before", &Effectivity{Start: "2024-06-01"}, at("2024-05-31T23:59:59.999Z"), false},
		{"date start compares in UTC", &Effectivity{Start: "2024-06-01"}, at("2024-06-01T01:00:00+02:00"), false},
		{"open end", &Effectivity{Start: "2024-06-01"}, at("2999-01-01T00:00:00Z"), true},
		{"date end includes the whole day", &Effectivity{Start: "2024-06-01", End: "2024-06-30"}, at("2024-06-30T23:59:59.999999999Z"), true},
		{"date end excludes the next day", &Effectivity{Start: "2024-06-01", End: "2024-06-30"}, at("2024-07-01T00:00:00Z"), false},
		{"one-day window", &Effectivity{Start: "2024-06-01", End: "2024-06-01"}, at("2024-06-01T12:00:00Z"), true},
		{"datetime start inclusive", &Effectivity{Start: "2024-06-01T10:00:00Z"}, at("2024-06-01T10:00:00Z"), true},
		{"datetime start exclusive before", &Effectivity{Start: "2024-06-01T10:00:00Z"}, at("2024-06-01T09:59:59Z"), false},
		{"datetime end inclusive to the instant", &Effectivity{Start: "2024-06-01", End: "2024-06-30T12:00:00Z"}, at("2024-06-30T12:00:00Z"), true},
		{"datetime end excludes after", &Effectivity{Start: "2024-06-01", End: "2024-06-30T12:00:00Z"}, at("2024-06-30T12:00:00.000000001Z"), false},
		{"datetime with offset", &Effectivity{Start: "2024-06-01T10:00:00+02:00"}, at("2024-06-01T08:00:00Z"), true},
		{"fractional seconds", &Effectivity{Start: "2024-06-01T10:00:00.5Z"}, at("2024-06-01T10:00:00.4Z"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.e.Contains(tt.t)
			if err != nil {
				t.Fatalf("Contains: %v", err)
			}
			if got != tt.want {
				t.Fatalf("Contains(%v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestEffectivityValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		e     *Effectivity
		field string
	}{
		{"nil", nil, ""},
		{"date only", &Effectivity{Start: "2024-06-01"}, ""},
		{"both dates", &Effectivity{Start: "2024-06-01", End: "2024-06-30"}, ""},
		{"same day", &Effectivity{Start: "2024-06-01", End: "2024-06-01"}, ""},
		{"date end on datetime start day", &Effectivity{Start: "2024-06-01T22:00:00Z", End: "2024-06-01"}, ""},
		{"mixed", &Effectivity{Start: "2024-06-01", End: "2024-06-01T00:00:01Z"}, ""},
		{"missing start", &Effectivity{End: "2024-06-01"}, "start"},
		{"bad start", &Effectivity{Start: "June 1st"}, "start"},
		{"bad month", &Effectivity{Start: "2024-13-01"}, "start"},
		{"datetime without zone", &Effectivity{Start: "2024-06-01T10:00:00"}, "start"},
		{"bad end", &Effectivity{Start: "2024-06-01", End: "soon"}, "end"},
		{"end before start", &Effectivity{Start: "2024-06-02", End: "2024-06-01"}, "end"},
		{"datetime end equal to start", &Effectivity{Start: "2024-06-01T10:00:00Z", End: "2024-06-01T10:00:00Z"}, "end"},
		{"datetime end at date start", &Effectivity{Start: "2024-06-01", End: "2024-06-01T00:00:00Z"}, "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantField(t, tt.e.Validate(), tt.field)
		})
	}
}

func TestEffectivityContainsBadBound(t *testing.T) {
	t.Parallel()
	_, err := (&Effectivity{Start: "2024-06-01", End: "later"}).Contains(time.Now())
	wantField(t, err, "end")
}

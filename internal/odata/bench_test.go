package odata

import "testing"

// haMailFilter is the $filter the Home Assistant O365 integration sends to
// /me/mailFolders/{id}/messages.
const haMailFilter = "isRead eq false and hasAttachments eq true and importance eq 'high' and from/emailAddress/address eq 'x@y.z' and contains(subject,'invoice') and receivedDateTime ge 2024-05-01T00:00:00Z"

func BenchmarkParseFilter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFilter(haMailFilter, Exchange); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	e, err := ParseFilter(haMailFilter, Exchange)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Eval(e, inboxMessage); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileFilter(b *testing.B) {
	e, err := ParseFilter(haMailFilter, Exchange)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := CompileFilter(e, messageMapping, SQLOptions{Dialect: Postgres}); err != nil {
			b.Fatal(err)
		}
	}
}

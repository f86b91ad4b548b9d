package explorer

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"graphgate/internal/catalog"
)

// benchQueries are what people type: a name, a resource, words of a
// description, an id, a word nothing has.
var benchQueries = []string{"Mail.Read", "calendars", "read your mail", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "zzqqxx"}

// BenchmarkSearch is one ranked search over the whole catalog (the index
// built beforehand, as after the first request).
func BenchmarkSearch(b *testing.B) {
	ix := newSearchIndex(catalog.Default())
	for _, q := range benchQueries {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if res := ix.Search(q, defaultResults); res.Query == "" {
					b.Fatal("empty answer")
				}
			}
		})
	}
}

// BenchmarkSearchPage is the search as a client sees it: the handler, the
// ranking and the rendered page (HTML and JSON).
func BenchmarkSearchPage(b *testing.B) {
	h := newHandler(b, Options{})
	for _, format := range []string{"html", "json"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/explorer/?q=read+your+mail&format="+format, nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

// BenchmarkFirstPermissionPage is the first permission page of a process:
// it builds the inverse index of the whole route table.
func BenchmarkFirstPermissionPage(b *testing.B) {
	for b.Loop() {
		h := newHandler(b, Options{})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/explorer/permissions/Mail.Read", nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

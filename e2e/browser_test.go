package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// browser plays a person in front of graphgate's pages: it keeps cookies,
// does not follow redirects by itself, and submits forms.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: e.client.Transport, Jar: jar, Timeout: e.client.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: e.t, e: e, client: c}
}

type form struct {
	action string
	fields url.Values
	submit map[string]string // submit button id → name=value
}

type page struct {
	status   int
	location string
	body     string
	forms    []form
	ids      map[string]string // element id → text
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := &page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), ids: map[string]string{}}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		parsePage(p)
	}
	return p
}

func (b *browser) get(u string) *page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

func (b *browser) post(u string, v url.Values) *page {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit posts the page's first form with extra field values; button names
// the submit button (by id) whose name=value is sent.
func (b *browser) submit(p *page, values map[string]string, button string) *page {
	b.t.Helper()
	if len(p.forms) == 0 {
		b.t.Fatalf("no form on the page (status %d):\n%s", p.status, p.body)
	}
	f := p.forms[0]
	v := url.Values{}
	for k, vs := range f.fields {
		v[k] = append([]string(nil), vs...)
	}
	for k, x := range values {
		v.Set(k, x)
	}
	if button != "" {
		nv, ok := f.submit[button]
		if !ok {
			b.t.Fatalf("no button #%s on the page:\n%s", button, p.body)
		}
		name, value, _ := strings.Cut(nv, "=")
		v.Set(name, value)
	}
	action := f.action
	if strings.HasPrefix(action, "/") {
		action = b.e.base + action
	}
	return b.post(action, v)
}

func parsePage(p *page) {
	doc, err := html.Parse(strings.NewReader(p.body))
	if err != nil {
		return
	}
	var cur *form
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			if id := attr["id"]; id != "" {
				p.ids[id] = textOf(n)
			}
			switch n.Data {
			case "form":
				p.forms = append(p.forms, form{action: attr["action"], fields: url.Values{}, submit: map[string]string{}})
				cur = &p.forms[len(p.forms)-1]
			case "input":
				if cur != nil && attr["name"] != "" && attr["type"] != "checkbox" && attr["type"] != "submit" {
					cur.fields.Set(attr["name"], attr["value"])
				}
			case "button":
				if cur != nil && attr["name"] != "" {
					cur.submit[attr["id"]] = attr["name"] + "=" + attr["value"]
				} else if cur != nil {
					cur.submit[attr["id"]] = ""
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// signIn completes the sign-in (and, if asked, consent) pages that follow
// an authorize or device-login request, and returns the final page.
func (b *browser) signIn(p *page, upn, pw string, consent bool) *page {
	b.t.Helper()
	_, step1 := p.ids["username"]
	if _, step2 := p.ids["password"]; step1 || step2 {
		p = b.login(p, upn, pw)
	}
	if _, ok := p.ids["accept"]; ok {
		if consent {
			p = b.submit(p, nil, "accept")
		} else {
			p = b.submit(p, nil, "decline")
		}
	}
	return p
}

// login completes the two sign-in steps from the page showing either: the
// account (Next), then the password (Sign in).
func (b *browser) login(p *page, upn, pw string) *page {
	b.t.Helper()
	if _, ok := p.ids["next"]; ok {
		p = b.submit(p, map[string]string{"username": upn}, "next")
		if _, ok := p.ids["password"]; !ok {
			return p // an error on the first step
		}
	}
	return b.submit(p, map[string]string{"username": upn, "password": pw}, "signin")
}

// formPostTarget reads an auto-submitting form_post page.
func formPostTarget(p *page) (string, url.Values) {
	if len(p.forms) == 0 {
		return "", nil
	}
	return p.forms[0].action, p.forms[0].fields
}

package files

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// PATCH …/pages/{id}/content: OneNote's array of change commands, applied
// in order to the page's HTML as one change (any failing command leaves
// the page as it was). The page body is handled as a parsed tree whose
// root is the page's first div (what the body keyword targets), so that
// inserted content lands where the rules of "Update OneNote page content"
// put it, however the stored HTML was written.
//
// Targets: title, body, #data-id, or a generated id from
// GET …/content?includeIDs=true. Generated ids are not stored: they number
// the updatable elements in document order (tag:{page guid}{n}), so they
// change when the page changes, as Microsoft warns they may. What each kind
// of element accepts follows Microsoft's support table; replace also takes
// a data-id for every replaceable element (Microsoft's own to-do example
// replaces a paragraph by data-id, though its table says generated id only).
// id attributes in supplied content are discarded, as the service does.

type patchCommand struct {
	Target   *string `json:"target"`
	Action   *string `json:"action"`
	Position *string `json:"position"`
	Content  *string `json:"content"`
}

// OneNote's PATCH errors (Error codes for the OneNote API: 20109 to 20141).
func errPatch(code, format string, a ...any) *graph.Error {
	return graph.NewErrorf(http.StatusBadRequest, code, format, a...)
}

func (s server) patchPageContent(c *graph.Call) error {
	owner, _, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	it, err := s.onenoteItem(c, model.KindPage, c.Param(1), owner)
	if err != nil {
		return err
	}
	cmds, err := s.patchCommands(c)
	if err != nil {
		return err
	}
	now := s.Now()
	_, err = s.Store().UpdateItem(c.Context(), c.TenantID, model.KindPage, it.ID, 0, func(cur store.Item) (store.Item, error) {
		p, err := model.DecodeDoc[model.Page](cur)
		if err != nil {
			return cur, err
		}
		if err := applyPagePatch(&p, cmds); err != nil {
			return cur, err
		}
		p.LastModifiedDateTime = model.StoredTime(now)
		cur.Doc = model.EncodeDoc(p)
		return cur, nil
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

// patchCommands reads the commands: the JSON body, or the Commands part of
// a multipart/form-data request (whose other parts carry binary data).
func (s server) patchCommands(c *graph.Call) ([]patchCommand, error) {
	body, err := c.Body()
	if err != nil {
		return nil, err
	}
	mt, params := "application/json", map[string]string{}
	if ct := c.Request().Header.Get("Content-Type"); ct != "" {
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return nil, errPatch("20131", "The Content-Type header is not valid: use application/json or multipart/form-data.")
		}
	}
	switch mt {
	case "application/json":
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		found := false
		for !found {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, errPatch("20011", "The multipart request is malformed.")
			}
			if strings.EqualFold(part.FormName(), "Commands") {
				if body, err = io.ReadAll(part); err != nil {
					return nil, errPatch("20011", "The multipart request is malformed.")
				}
				found = true
			}
		}
		if !found {
			return nil, errPatch("20124", "The multipart PATCH request has no \"Commands\" part with the JSON change objects.")
		}
	default:
		return nil, errPatch("20131", "The Content-Type '%s' is not valid for a PATCH request: use application/json.", mt)
	}
	body = bytes.TrimSpace(relaxedJSON(body))
	if len(body) == 0 {
		return nil, errPatch("20132", "The request has no content: send the JSON change objects.")
	}
	if body[0] != '[' {
		return nil, errPatch("20109", "The PATCH payload must be an array of JSON change objects.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var cmds []patchCommand
	if err := dec.Decode(&cmds); err != nil || dec.More() {
		return nil, errPatch("20126", "The message body contains incorrectly formatted JSON or fields that are not supported for this operation.")
	}
	if len(cmds) == 0 {
		return nil, errPatch("20125", "The PATCH request contains no actions.")
	}
	return cmds, nil
}

// relaxedJSON rewrites the lenient JSON that OneNote accepts and its
// documentation's examples use (single-quoted strings, line breaks inside
// strings) as standard JSON. Input that is not lenient JSON is returned
// as it is, for the decoder to reject.
func relaxedJSON(b []byte) []byte {
	var out bytes.Buffer
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if ch != '"' && ch != '\'' {
			out.WriteByte(ch)
			continue
		}
		quote, closed := ch, false
		out.WriteByte('"')
		for i++; i < len(b); i++ {
			c := b[i]
			if c == quote {
				closed = true
				break
			}
			switch {
			case c == '\\' && i+1 < len(b):
				if b[i+1] == '\'' {
					out.WriteByte('\'')
				} else {
					out.WriteByte(c)
					out.WriteByte(b[i+1])
				}
				i++
			case c == '"':
				out.WriteString(`\"`)
			case c == '\n':
				out.WriteString(`\n`)
			case c == '\r':
				out.WriteString(`\r`)
			case c == '\t':
				out.WriteString(`\t`)
			case c < 0x20:
				fmt.Fprintf(&out, `\u%04x`, c)
			default:
				out.WriteByte(c)
			}
		}
		if !closed {
			return b
		}
		out.WriteByte('"')
	}
	return out.Bytes()
}

// Page trees.

// updatable are the elements OneNote gives generated ids (the elements
// its support table lists).
var updatable = map[atom.Atom]bool{atom.Div: true, atom.P: true, atom.Li: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Img: true, atom.Object: true, atom.Ol: true, atom.Ul: true, atom.Table: true}

func divNode() *html.Node { return &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div} }

// parsePageBody parses a stored page body under a root div, the page's
// first div.
func parsePageBody(body string) (*html.Node, error) {
	nodes, err := html.ParseFragment(strings.NewReader(body), divNode())
	if err != nil {
		return nil, err
	}
	root := divNode()
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root, nil
}

func renderChildren(n *html.Node) (string, error) {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// pageGUID is the guid part of a page id (1-{guid}!1-{section guid}).
func pageGUID(id string) string {
	g, _, _ := strings.Cut(strings.TrimPrefix(id, "1-"), "!")
	return g
}

// generatedIDs numbers the updatable elements of a page tree.
func generatedIDs(root *html.Node, guid string) map[*html.Node]string {
	ids := map[*html.Node]string{}
	n := 0
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		if x.Type == html.ElementNode && updatable[x.DataAtom] {
			n++
			ids[x] = fmt.Sprintf("%s:{%s}{%d}", x.Data, guid, n)
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return ids
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append([]html.Attribute{{Key: key, Val: val}}, n.Attr...)
}

// dropIDs removes id attributes under n: ids are the service's to give.
func dropIDs(n *html.Node) {
	if n.Type == html.ElementNode {
		kept := n.Attr[:0]
		for _, a := range n.Attr {
			if !strings.EqualFold(a.Key, "id") {
				kept = append(kept, a)
			}
		}
		n.Attr = kept
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		dropIDs(c)
	}
}

// byDataID finds the first element under root (root excluded) with the
// data-id.
func byDataID(root *html.Node, id string) *html.Node {
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if v, ok := attr(c, "data-id"); ok && v == id {
			return c
		}
		if f := byDataID(c, id); f != nil {
			return f
		}
	}
	return nil
}

// attached reports whether n is still in the tree of root (an earlier
// command may have replaced or deleted it).
func attached(n, root *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == root {
			return true
		}
	}
	return false
}

// pageContentHTML renders the page body for GET …/content: input ids
// dropped, generated ids added when asked. It returns the root's id too.
func pageContentHTML(p model.Page, includeIDs bool) (body, rootID string) {
	root, err := parsePageBody(p.Body)
	if err != nil {
		return p.Body, ""
	}
	dropIDs(root)
	if includeIDs {
		ids := generatedIDs(root, pageGUID(p.ID))
		for n, id := range ids {
			if n != root {
				setAttr(n, "id", id)
			}
		}
		rootID = ids[root]
	}
	out, err := renderChildren(root)
	if err != nil {
		return p.Body, ""
	}
	return out, rootID
}

// Applying commands.

type targetKind int

const (
	tkBody  targetKind = iota // the page's first div
	tkDiv                     // a div within a div
	tkMedia                   // img, object
	tkList                    // ol, ul
	tkTable                   // table
	tkBlock                   // p, li, h1-h6
	tkTitle                   // the page title
	tkOther                   // elements no action applies to
)

func kindOf(n, root *html.Node) targetKind {
	if n == root {
		return tkBody
	}
	switch n.DataAtom {
	case atom.Div:
		return tkDiv
	case atom.Img, atom.Object:
		return tkMedia
	case atom.Ol, atom.Ul:
		return tkList
	case atom.Table:
		return tkTable
	case atom.P, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return tkBlock
	}
	return tkOther
}

var generatedIDRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+:\{[0-9a-fA-F-]+\}\{\d+\}$`) })

// applyPagePatch applies the commands to the page, or fails with the first
// bad one and leaves p as it was.
func applyPagePatch(p *model.Page, cmds []patchCommand) error {
	root, err := parsePageBody(p.Body)
	if err != nil {
		return errPatch("20123", "The PATCH request is unable to alter the page.")
	}
	dropIDs(root)
	byID := map[string]*html.Node{}
	for n, id := range generatedIDs(root, pageGUID(p.ID)) {
		byID[id] = n
	}
	title := p.Title
	for i, cmd := range cmds {
		if cmd.Target == nil || strings.TrimSpace(*cmd.Target) == "" {
			return errPatch("20121", "Change %d has no target.", i+1)
		}
		if cmd.Action == nil {
			return errPatch("20121", "Change %d has no action.", i+1)
		}
		action := strings.ToLower(*cmd.Action)
		switch action {
		case "append", "insert", "prepend", "replace", "delete":
		default:
			return errPatch("20122", "The PATCH action '%s' is not supported.", *cmd.Action)
		}
		before := false
		if cmd.Position != nil {
			switch strings.ToLower(*cmd.Position) {
			case "after":
			case "before":
				before = true
			default:
				return errPatch("20121", "The position '%s' is not valid: use before or after.", *cmd.Position)
			}
		}
		if action == "prepend" {
			action, before = "append", true
		}
		content := ""
		if cmd.Content != nil {
			content = *cmd.Content
		}
		if action != "delete" && strings.TrimSpace(content) == "" && !(action == "replace" && strings.EqualFold(*cmd.Target, "title")) {
			return errPatch("20121", "Change %d has no content.", i+1)
		}

		target := strings.TrimSpace(*cmd.Target)
		var node *html.Node
		kind := tkTitle
		switch {
		case strings.EqualFold(target, "title"):
		case strings.EqualFold(target, "body"):
			node = root
		case strings.HasPrefix(target, "#"):
			node = byDataID(root, target[1:])
		case generatedIDRe().MatchString(target):
			if n := byID[target]; n != nil && attached(n, root) {
				node = n
			}
		default:
			return errPatch("20134", "The PATCH target '%s' is not a valid element identifier: prefix a data-id with #.", target)
		}
		if node != nil {
			kind = kindOf(node, root)
		} else if !strings.EqualFold(target, "title") {
			return errPatch("20120", "The PATCH target '%s' can't be located on the page.", target)
		}
		if kind == tkOther {
			return errPatch("20133", "The PATCH target '%s' (a %s element) isn't supported.", target, node.Data)
		}
		allowed := false
		switch action {
		case "append":
			allowed = kind == tkBody || kind == tkDiv || kind == tkList
			if !allowed && kind != tkTitle {
				return errPatch("20138", "The target element type (%s) doesn't support the append action.", node.Data)
			}
		case "insert":
			allowed = kind != tkBody && kind != tkTitle
		case "replace":
			allowed = kind != tkBody
		case "delete":
			allowed = kind != tkBody && kind != tkTitle
		}
		if !allowed {
			return errPatch("20141", "The target '%s' doesn't support the %s action.", target, action)
		}

		if kind == tkTitle {
			title = titleText(content)
			continue
		}
		parent := node.Parent
		ctx := node
		if action != "append" {
			ctx = parent
		}
		var nodes []*html.Node
		if action != "delete" {
			if nodes, err = html.ParseFragment(strings.NewReader(content), &html.Node{Type: html.ElementNode, Data: ctx.Data, DataAtom: ctx.DataAtom}); err != nil {
				return errPatch("20121", "The content of change %d is not well-formed HTML.", i+1)
			}
			for _, n := range nodes {
				dropIDs(n)
			}
		}
		switch action {
		case "append":
			ref := (*html.Node)(nil)
			if before {
				ref = node.FirstChild
			}
			for _, n := range nodes {
				node.InsertBefore(n, ref)
			}
		case "insert":
			ref := node.NextSibling
			if before {
				ref = node
			}
			for _, n := range nodes {
				parent.InsertBefore(n, ref)
			}
		case "replace", "delete":
			for _, n := range nodes {
				parent.InsertBefore(n, node)
			}
			parent.RemoveChild(node)
		}
	}
	body, err := renderChildren(root)
	if err != nil {
		return errPatch("20123", "The PATCH request is unable to alter the page.")
	}
	p.Body, p.Title = body, title
	return nil
}

// titleText is the text of a title's content (markup dropped).
func titleText(content string) string {
	nodes, err := html.ParseFragment(strings.NewReader(content), divNode())
	if err != nil {
		return strings.TrimSpace(content)
	}
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
	for _, n := range nodes {
		walk(n)
	}
	return strings.TrimSpace(b.String())
}

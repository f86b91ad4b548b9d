// Package graphpath normalizes Microsoft Graph URL paths, both the templates
// of Microsoft's permission data (/users/{id}/mailFolders/{id}/messages) and
// concrete request paths (/v1.0/Users('a@b.c')/MailFolders/Inbox/Messages),
// into one canonical, segment-wise form that the route table matches on.
//
// The rules are Kibali's lenient matching, extended to what real requests
// contain:
//   - the path is lower-cased and the query string is cut off;
//   - a leading /v1.0 or /beta and a scheme+host are removed;
//   - any template parameter {name} becomes {id} (a {name}: item reference
//     becomes {id}:);
//   - OData key segments users('x') and users(x) become two segments users/x;
//   - function and alternate-key arguments name(a='x', b=2) become
//     name(a={value},b={value});
//   - drive path addressing root:/a/b.txt:/content collapses the relative path
//     into one parameter segment, so it matches root:/{id}:/content; only a
//     segment that ends in ':' opens or closes an item path, so a ':' inside
//     a quoted argument (range(address='A1:B2')) is text.
//
// Normalize writes into a caller-supplied buffer and never allocates when the
// buffer is large enough, because it sits on the hot path of every Graph
// request.
//
// # What it must not do
//
// It must not know routes, permissions or handlers; it only normalizes text.
package graphpath

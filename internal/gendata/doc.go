// Command gendata turns Microsoft's machine-readable Graph permission data
// (permissions.json, provisioningInfo.json, permissions-descriptions.json) into
// the generated files graphgate compiles in:
//
//   - internal/catalog/permissions_gen.go: every permission with its ids,
//     per-scheme display strings, consent flag, privilege level and hidden flag;
//   - internal/routes/table_gen.go: every method+path of the data with, per
//     scheme, the accepted permissions ordered least-privileged first;
//   - internal/routes/supplement_gen.go: internal/routes/supplement.yaml (what
//     the data lacks, written by hand) as Go literals, so that no process
//     decodes YAML to build the table; the entries are checked where the
//     table applies them (internal/routes);
//   - internal/catalog/overlay_gen.go: internal/catalog/overlay.yaml (the
//     decisions on the seed reference) as Go literals, likewise.
//
// Both are Go source (gofmt'd, one permission or route per block, sorted)
// rather than data files to decode: the compiler lays the literals out as
// static data, so a process that needs the table links records instead of
// decoding megabytes of JSON (a CLI answer went from about 0.3 s to a few
// milliseconds of loading; bench/README.md).
//
// It runs from `go generate ./internal/catalog` and needs the source folder only
// then; the build and the tests read the committed output. The output is
// deterministic (sorted, one record per line) so that a regeneration diff shows
// exactly what Microsoft changed.
//
// How the data is read (each rule has a test on testdata/mini):
//
//   - Paths are normalized as the matcher normalizes them (internal/graphpath):
//     spellings that differ in case or parameter names are one route.
//   - A few templates that are not valid Graph URL templates are repaired
//     (pathFixes); a fix that no longer applies fails the generation.
//   - An item path written root:/{item-path}/media/reactions is read as
//     root:/{item-path}:/media/reactions (closeItemPath): the item path is one
//     parameter, closed by ':' as everywhere else in the data, so reactions,
//     extractSensitivityLabels and assignSensitivityLabel are routes of their
//     own instead of being merged into "get item by path".
//   - A path's value (least=…;AlsoRequires=…) belongs to the pathSet that
//     lists the path, so it applies to that pathSet's methods only. Kibali's
//     rule "least= is per path and scheme" holds within one pathSet; a
//     permission that lists the same path in two pathSets (DELETE marked
//     least for Application, GET and PATCH for DelegatedWork only) has two
//     marks, one per pathSet, as in Kibali's own inversion of the data.
//   - Least privileged for one method and scheme, among the permissions
//     marked for that method: those whose only method on the path is this one
//     if any, otherwise those with the fewest methods on the path (Kibali's
//     disambiguation).
//   - Ties: when several permissions remain, graphgate marks all of them
//     least privileged (each is a mark of Microsoft's), where Kibali's
//     documentation generator keeps the first one it meets (file order, that
//     is by name). They are shown lower privilege level first, then by the
//     name grammar (ReadBasic before Read before ReadWrite, own data before
//     .Shared before .All), then by name, so that the narrowest permission
//     leads: it is the one an app following least privilege should request.
//   - The permissions that are not least privileged follow: lower privilege
//     level first, then the least privileged permissions' own resource family,
//     then the name grammar.
//
// # What it must not do
//
// It must not be imported or run by the server: its output is committed, and CI checks
// that the committed files are what it produces (gendata -check).
package main

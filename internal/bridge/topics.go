package bridge

import (
	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// topics is the MQTT topic layout of one account (docs/bridge.md draws it):
//
//	<base>/status                               bridge availability (retained, last will)
//	<base>/<account>/<feature>/availability     online while the feature works (retained)
//	<base>/<account>/<object_id>/state          entity state (retained)
//	<base>/<account>/<object_id>/attributes     entity attributes, JSON (retained)
//	<base>/<account>/services                   available and unavailable services (retained)
//	<base>/<account>/command/<service>          service calls, JSON
//	<base>/<account>/result/<service>           service answers, JSON
//	<prefix>/<component>/graphgate_<account>/<object_id>/config   discovery (retained)
type topics struct {
	base, prefix, account, node string
}

func newTopics(base, prefix, account string) topics {
	return topics{base: base, prefix: prefix, account: account, node: "graphgate_" + mqttha.Slug(account)}
}

func bridgeStatusTopic(base string) string { return base + "/status" }

func (t topics) root() string                  { return t.base + "/" + t.account }
func (t topics) bridgeStatus() string          { return bridgeStatusTopic(t.base) }
func (t topics) state(obj string) string       { return t.root() + "/" + obj + "/state" }
func (t topics) attributes(obj string) string  { return t.root() + "/" + obj + "/attributes" }
func (t topics) command(service string) string { return t.root() + "/command/" + service }
func (t topics) result(service string) string  { return t.root() + "/result/" + service }
func (t topics) services() string              { return t.root() + "/services" }
func (t topics) availability(f planner.Feature) string {
	return t.root() + "/" + f.String() + "/availability"
}
func (t topics) config(component, obj string) string {
	return mqttha.ConfigTopic(t.prefix, component, t.node, obj)
}

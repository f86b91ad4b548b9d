package mqttha

import (
	"regexp"
	"strings"
)

// Home Assistant MQTT discovery: a retained JSON config on
// <prefix>/<component>/<node_id>/<object_id>/config makes Home Assistant
// create the entity (no custom component needed); an empty retained payload
// on the same topic removes it.

// Device groups an account's entities in Home Assistant.
type Device struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	Model        string   `json:"model,omitempty"`
	SWVersion    string   `json:"sw_version,omitempty"`
}

// Origin names the software that publishes the configs.
type Origin struct {
	Name       string `json:"name"`
	SWVersion  string `json:"sw_version,omitempty"`
	SupportURL string `json:"support_url,omitempty"`
}

// Availability is one availability topic.
type Availability struct {
	Topic               string `json:"topic"`
	PayloadAvailable    string `json:"payload_available,omitempty"`
	PayloadNotAvailable string `json:"payload_not_available,omitempty"`
}

// Config is an entity's discovery config (the keys Home Assistant's MQTT
// sensor, binary_sensor, switch and select platforms read).
type Config struct {
	Name                string         `json:"name"`
	UniqueID            string         `json:"unique_id"`
	StateTopic          string         `json:"state_topic,omitempty"`
	JSONAttributesTopic string         `json:"json_attributes_topic,omitempty"`
	CommandTopic        string         `json:"command_topic,omitempty"`
	Availability        []Availability `json:"availability,omitempty"`
	AvailabilityMode    string         `json:"availability_mode,omitempty"`
	Device              Device         `json:"device"`
	Origin              Origin         `json:"origin"`
	Icon                string         `json:"icon,omitempty"`
	EntityCategory      string         `json:"entity_category,omitempty"`
	DeviceClass         string         `json:"device_class,omitempty"`
	StateClass          string         `json:"state_class,omitempty"`
	Unit                string         `json:"unit_of_measurement,omitempty"`
	PayloadOn           string         `json:"payload_on,omitempty"`
	PayloadOff          string         `json:"payload_off,omitempty"`
	StateOn             string         `json:"state_on,omitempty"`
	StateOff            string         `json:"state_off,omitempty"`
	Options             []string       `json:"options,omitempty"`
	ValueTemplate       string         `json:"value_template,omitempty"`
}

// ConfigTopic is the discovery topic of an entity.
func ConfigTopic(prefix, component, nodeID, objectID string) string {
	return prefix + "/" + component + "/" + nodeID + "/" + objectID + "/config"
}

var notID = regexp.MustCompile(`[^a-z0-9_-]+`)

// Slug makes a name usable as a node or object id ([a-z0-9_-]).
func Slug(s string) string {
	s = notID.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "_")
	s = strings.Trim(s, "_")
	if s == "" {
		s = "x"
	}
	return s
}

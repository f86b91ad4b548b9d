// Package mqttha publishes to Home Assistant over MQTT: a connection with a
// last will, retained discovery configs, states and JSON attributes, and
// command subscriptions.
//
// It uses Eclipse Paho's MQTT 3.1.1 client (github.com/eclipse/paho.mqtt.golang):
// Home Assistant's MQTT integration and every broker it is used with speak
// 3.1.1, the bridge needs none of MQTT 5's features (its command results go to
// fixed result topics with a correlation id in the payload), and this client
// has automatic reconnection with a connect-retry loop and an on-connect hook
// (where the availability is published again and subscriptions restored),
// which the v5 client offers only through its separate autopaho layer.
//
// # What it must not do
//
// It must not know Graph or tokens: it only publishes and subscribes.
package mqttha

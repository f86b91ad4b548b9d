package mqttha

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Online and Offline are the availability payloads (Home Assistant's
// defaults).
const (
	Online  = "online"
	Offline = "offline"
)

// Options configure the connection.
type Options struct {
	// Broker is tcp://host:1883, ssl://host:8883, ws://… or wss://….
	Broker             string
	ClientID           string
	Username, Password string
	TLS                *tls.Config
	// WillTopic gets Online (retained) on every connection and Offline
	// (retained) as the last will and on Close.
	WillTopic string
	Logger    *slog.Logger
	// Timeout bounds a publish or subscribe (default 10s).
	Timeout time.Duration
}

// Handler receives a message on a subscribed topic.
type Handler func(topic string, payload []byte)

// Client is a connection to the broker. It is safe for concurrent use.
type Client struct {
	c       paho.Client
	o       Options
	log     *slog.Logger
	mu      sync.Mutex
	subs    map[string]Handler
	closing bool
}

// Connect connects to the broker, retrying until ctx ends; after that it
// reconnects by itself.
func Connect(ctx context.Context, o Options) (*Client, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	cl := &Client{o: o, log: o.Logger, subs: map[string]Handler{}}
	po := paho.NewClientOptions().
		AddBroker(o.Broker).
		SetClientID(o.ClientID).
		SetUsername(o.Username).
		SetPassword(o.Password).
		SetCleanSession(true).
		SetOrderMatters(false).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(2 * time.Second).
		SetMaxReconnectInterval(time.Minute).
		SetKeepAlive(30 * time.Second).
		SetConnectTimeout(10 * time.Second).
		SetWriteTimeout(o.Timeout).
		SetOnConnectHandler(cl.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			cl.log.Warn("mqtt connection lost; reconnecting", "broker", o.Broker, "err", err)
		})
	if o.TLS != nil {
		po.SetTLSConfig(o.TLS)
	}
	if o.WillTopic != "" {
		po.SetWill(o.WillTopic, Offline, 1, true)
	}
	cl.c = paho.NewClient(po)
	tok := cl.c.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return nil, fmt.Errorf("mqtt %s: %w", o.Broker, err)
		}
	case <-ctx.Done():
		cl.c.Disconnect(0)
		return nil, fmt.Errorf("mqtt %s: not connected: %w", o.Broker, ctx.Err())
	}
	return cl, nil
}

// onConnect runs on every (re)connection: availability online, and the
// subscriptions again (the session is clean).
func (cl *Client) onConnect(c paho.Client) {
	cl.log.Info("mqtt connected", "broker", cl.o.Broker, "client_id", cl.o.ClientID)
	if cl.o.WillTopic != "" {
		c.Publish(cl.o.WillTopic, 1, true, Online)
	}
	cl.mu.Lock()
	subs := make(map[string]Handler, len(cl.subs))
	for k, v := range cl.subs {
		subs[k] = v
	}
	cl.mu.Unlock()
	for f, h := range subs {
		c.Subscribe(f, 1, wrap(h))
	}
}

func wrap(h Handler) paho.MessageHandler {
	return func(_ paho.Client, m paho.Message) { h(m.Topic(), m.Payload()) }
}

func (cl *Client) wait(t paho.Token, what string) error {
	if !t.WaitTimeout(cl.o.Timeout) {
		return fmt.Errorf("mqtt %s: timed out after %s", what, cl.o.Timeout)
	}
	if err := t.Error(); err != nil {
		return fmt.Errorf("mqtt %s: %w", what, err)
	}
	return nil
}

// Publish sends payload with QoS 1 and waits for the broker's
// acknowledgement.
func (cl *Client) Publish(topic string, retained bool, payload []byte) error {
	return cl.wait(cl.c.Publish(topic, 1, retained, payload), "publish "+topic)
}

// Subscribe subscribes to a topic filter; the subscription survives
// reconnections.
func (cl *Client) Subscribe(filter string, h Handler) error {
	cl.mu.Lock()
	cl.subs[filter] = h
	cl.mu.Unlock()
	return cl.wait(cl.c.Subscribe(filter, 1, wrap(h)), "subscribe "+filter)
}

// Unsubscribe ends a subscription.
func (cl *Client) Unsubscribe(filter string) error {
	cl.mu.Lock()
	delete(cl.subs, filter)
	cl.mu.Unlock()
	return cl.wait(cl.c.Unsubscribe(filter), "unsubscribe "+filter)
}

// Connected reports whether the connection is up.
func (cl *Client) Connected() bool { return cl.c.IsConnectionOpen() }

// Close publishes Offline to the will topic (a clean disconnect does not
// fire the last will) and disconnects.
func (cl *Client) Close() error {
	cl.mu.Lock()
	if cl.closing {
		cl.mu.Unlock()
		return nil
	}
	cl.closing = true
	cl.mu.Unlock()
	var err error
	if cl.o.WillTopic != "" && cl.c.IsConnectionOpen() {
		err = cl.Publish(cl.o.WillTopic, true, []byte(Offline))
	}
	cl.c.Disconnect(500)
	return err
}

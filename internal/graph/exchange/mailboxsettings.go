package exchange

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/store"
)

func defaultMailboxSettings(userID string) model.MailboxSettings {
	return model.MailboxSettings{ArchiveFolder: model.FolderID(userID, "archive"), TimeZone: "UTC", DelegateMeetingMessageDeliveryOptions: "sendToDelegateOnly",
		DateFormat: "M/d/yyyy", TimeFormat: "h:mm tt", UserPurpose: "user",
		AutomaticRepliesSetting: model.AutomaticReplies{Status: "disabled", ExternalAudience: "all"},
		Language:                model.LocaleInfo{Locale: "en-US", DisplayName: "English (United States)"},
		WorkingHours: model.WorkingHours{DaysOfWeek: []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
			StartTime: "08:00:00.0000000", EndTime: "17:00:00.0000000", TimeZone: map[string]string{"name": "UTC"}}}
}

// entMailboxSettings is the user's mailbox settings; a property of them
// is named by its path (…/mailboxSettings/timeZone).
var entMailboxSettings = graph.Entity{Context: "users('{owner}')/mailboxSettings"}

var _ = declare(graph.WorkloadExchange, slices.Concat(
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/mailboxSettings", Handler: handle(server.getMailboxSettings), Entity: entMailboxSettings}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/mailboxSettings", Handler: handle(server.updateMailboxSettings), Entity: entMailboxSettings}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/mailboxSettings/timeZone", Handler: handle(server.getMailboxSettings),
		Entity: graph.Entity{Context: entMailboxSettings.Context + "/timeZone"}}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/mailboxSettings/automaticRepliesSetting", Handler: handle(server.getMailboxSettings),
		Entity: graph.Entity{Context: entMailboxSettings.Context + "/automaticRepliesSetting"}}),
)...)

func (s server) mailboxSettings(c *graph.Call) (store.Item, error) {
	if c.TargetUser == nil {
		return store.Item{}, graph.ErrMailboxNotFound(c.Param(0))
	}
	id := c.TargetUser.ID
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindMailboxSettings, id)
	if errors.Is(err, store.ErrNotFound) {
		now := s.Now()
		it = store.Item{TenantID: c.TenantID, Kind: model.KindMailboxSettings, ID: id, OwnerID: id, Doc: model.EncodeDoc(defaultMailboxSettings(id)), CreatedAt: now, ModifiedAt: now, Version: 1}
		if err := s.Store().CreateItems(c.Context(), it); err != nil && !errors.Is(err, store.ErrConflict) {
			return store.Item{}, graph.AsError(err)
		}
		return s.Store().GetItem(c.Context(), c.TenantID, model.KindMailboxSettings, id)
	}
	return it, graph.AsErrorOrNil(err)
}

// renderMailboxSettings shows the automatic replies' schedule in the
// zone of Prefer: outlook.timezone, when the request has one.
func renderMailboxSettings(c *graph.Call, it store.Item) (json.RawMessage, error) {
	zone, loc, ok := requestedZone(c)
	if !ok {
		return json.RawMessage(it.Doc), nil
	}
	d, err := model.DecodeDoc[model.MailboxSettings](it)
	if err != nil {
		return nil, err
	}
	for _, p := range []**model.DateTimeTimeZone{&d.AutomaticRepliesSetting.ScheduledStartDateTime, &d.AutomaticRepliesSetting.ScheduledEndDateTime} {
		if *p != nil {
			v := inZone(**p, zone, loc)
			*p = &v
		}
	}
	return model.EncodeDoc(d), nil
}

func (s server) getMailboxSettings(c *graph.Call) error {
	it, err := s.mailboxSettings(c)
	if err != nil {
		return err
	}
	doc, err := renderMailboxSettings(c, it)
	if err != nil {
		return graph.AsError(err)
	}
	ctx := c.ContextURL()
	path := strings.Split(strings.TrimSuffix(c.Match.Route.Path, "/"), "/")
	if last := path[len(path)-1]; last != "mailboxsettings" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(doc, &m); err != nil {
			return graph.AsError(err)
		}
		for k, v := range m {
			if strings.EqualFold(k, last) {
				if strings.EqualFold(k, "timeZone") {
					return c.JSON(http.StatusOK, struct {
						Context string          `json:"@odata.context"`
						Value   json.RawMessage `json:"value"`
					}{ctx, v})
				}
				return c.JSON(http.StatusOK, graph.WithContext(v, ctx))
			}
		}
		return graph.ErrItemNotFound()
	}
	return c.JSON(http.StatusOK, graph.WithContext(doc, ctx))
}

// mailboxSettingsPatch is PATCH /mailboxSettings: any subset.
type mailboxSettingsPatch struct {
	TimeZone                *string                 `json:"timeZone"`
	DateFormat              *string                 `json:"dateFormat"`
	TimeFormat              *string                 `json:"timeFormat"`
	AutomaticRepliesSetting *model.AutomaticReplies `json:"automaticRepliesSetting"`
	Language                *model.LocaleInfo       `json:"language"`
	WorkingHours            *model.WorkingHours     `json:"workingHours"`
}

func (p mailboxSettingsPatch) apply(d *model.MailboxSettings) error {
	if p.TimeZone != nil {
		if _, ok := model.LoadZone(*p.TimeZone); !ok {
			return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidTimeZone", "The specified time zone isn't valid.")
		}
		d.TimeZone = *p.TimeZone
	}
	if p.DateFormat != nil {
		d.DateFormat = *p.DateFormat
	}
	if p.TimeFormat != nil {
		d.TimeFormat = *p.TimeFormat
	}
	if p.Language != nil {
		d.Language = *p.Language
	}
	if p.WorkingHours != nil {
		d.WorkingHours = *p.WorkingHours
	}
	if a := p.AutomaticRepliesSetting; a != nil {
		cur := d.AutomaticRepliesSetting
		if a.Status != "" {
			switch strings.ToLower(a.Status) {
			case "disabled":
				cur.Status = "disabled"
			case "alwaysenabled":
				cur.Status = "alwaysEnabled"
			case "scheduled":
				cur.Status = "scheduled"
			default:
				return graph.ErrBadRequest("Invalid value '%s' for property 'status'.", a.Status)
			}
		}
		if a.ExternalAudience != "" {
			switch strings.ToLower(a.ExternalAudience) {
			case "none", "contactsonly", "all":
				cur.ExternalAudience = a.ExternalAudience
			default:
				return graph.ErrBadRequest("Invalid value '%s' for property 'externalAudience'.", a.ExternalAudience)
			}
		}
		if a.InternalReplyMessage != "" {
			cur.InternalReplyMessage = a.InternalReplyMessage
		}
		if a.ExternalReplyMessage != "" {
			cur.ExternalReplyMessage = a.ExternalReplyMessage
		}
		for _, x := range []struct {
			in  *model.DateTimeTimeZone
			dst **model.DateTimeTimeZone
		}{{a.ScheduledStartDateTime, &cur.ScheduledStartDateTime}, {a.ScheduledEndDateTime, &cur.ScheduledEndDateTime}} {
			if x.in != nil {
				t, err := parseDTZ(*x.in)
				if err != nil {
					return err
				}
				v := model.DateTimeTimeZone{DateTime: t.In(mustZone(x.in.TimeZone)).Format(model.LocalLayout), TimeZone: x.in.TimeZone}
				*x.dst = &v
			}
		}
		if cur.Status == "scheduled" {
			if cur.ScheduledStartDateTime == nil || cur.ScheduledEndDateTime == nil {
				return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "ScheduledStartDateTime and ScheduledEndDateTime are required when the status is scheduled.")
			}
			st, _ := parseDTZ(*cur.ScheduledStartDateTime)
			en, _ := parseDTZ(*cur.ScheduledEndDateTime)
			if !en.After(st) {
				return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidScheduledOofDuration", "The scheduled end time must be after the start time.")
			}
		}
		d.AutomaticRepliesSetting = cur
	}
	return nil
}

func mustZone(name string) *timeLocation {
	if loc, ok := model.LoadZone(name); ok {
		return loc
	}
	return utcLocation
}

func (s server) updateMailboxSettings(c *graph.Call) error {
	if _, err := s.mailboxSettings(c); err != nil {
		return err
	}
	var p mailboxSettingsPatch
	if err := c.ReadBody(&p, mailboxBody); err != nil {
		return err
	}
	var perr error
	it, err := s.Store().UpdateItem(c.Context(), c.TenantID, model.KindMailboxSettings, c.TargetUser.ID, 0, func(it store.Item) (store.Item, error) {
		d, err := model.DecodeDoc[model.MailboxSettings](it)
		if err != nil {
			return it, err
		}
		if perr = p.apply(&d); perr != nil {
			return it, perr
		}
		it.Doc = model.EncodeDoc(d)
		return it, nil
	})
	if perr != nil {
		return perr
	}
	if err != nil {
		return graph.AsError(err)
	}
	doc, err := renderMailboxSettings(c, it)
	if err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(doc, c.ContextURL()))
}

package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"graphgate/internal/store"
)

func defaultMailboxSettings(userID string) mailboxSettingsDoc {
	return mailboxSettingsDoc{ArchiveFolder: folderID(userID, "archive"), TimeZone: "UTC", DelegateMeetingMessageDeliveryOptions: "sendToDelegateOnly",
		DateFormat: "M/d/yyyy", TimeFormat: "h:mm tt", UserPurpose: "user",
		AutomaticRepliesSetting: automaticReplies{Status: "disabled", ExternalAudience: "all"},
		Language:                localeInfo{Locale: "en-US", DisplayName: "English (United States)"},
		WorkingHours: workingHours{DaysOfWeek: []string{"monday", "tuesday", "wednesday", "thursday", "friday"},
			StartTime: "08:00:00.0000000", EndTime: "17:00:00.0000000", TimeZone: map[string]string{"name": "UTC"}}}
}

var _ = declare(WorkloadExchange, slices.Concat(
	Twins(Endpoint{Method: "GET", Template: "/mailboxSettings", Handler: (*Server).getMailboxSettings}),
	Twins(Endpoint{Method: "PATCH", Template: "/mailboxSettings", Handler: (*Server).updateMailboxSettings}),
	Twins(Endpoint{Method: "GET", Template: "/mailboxSettings/timeZone", Handler: (*Server).getMailboxSettings}),
	Twins(Endpoint{Method: "GET", Template: "/mailboxSettings/automaticRepliesSetting", Handler: (*Server).getMailboxSettings}),
)...)

func (s *Server) mailboxSettings(c *Call) (store.Item, error) {
	if c.TargetUser == nil {
		return store.Item{}, ErrMailboxNotFound(c.Param(0))
	}
	id := c.TargetUser.ID
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindMailboxSettings, id)
	if errors.Is(err, store.ErrNotFound) {
		now := s.now()
		it = store.Item{TenantID: c.TenantID, Kind: KindMailboxSettings, ID: id, OwnerID: id, Doc: EncodeDoc(defaultMailboxSettings(id)), CreatedAt: now, ModifiedAt: now, Version: 1}
		if err := s.store.CreateItems(c.ctx, it); err != nil && !errors.Is(err, store.ErrConflict) {
			return store.Item{}, AsError(err)
		}
		return s.store.GetItem(c.ctx, c.TenantID, KindMailboxSettings, id)
	}
	return it, asErrorOrNil(err)
}

// renderMailboxSettings shows the automatic replies' schedule in the
// zone of Prefer: outlook.timezone, when the request has one.
func renderMailboxSettings(c *Call, it store.Item) (json.RawMessage, error) {
	zone, loc, ok := c.requestedZone()
	if !ok {
		return json.RawMessage(it.Doc), nil
	}
	d, err := DecodeDoc[mailboxSettingsDoc](it)
	if err != nil {
		return nil, err
	}
	for _, p := range []**dateTimeTimeZone{&d.AutomaticRepliesSetting.ScheduledStartDateTime, &d.AutomaticRepliesSetting.ScheduledEndDateTime} {
		if *p != nil {
			v := inZone(**p, zone, loc)
			*p = &v
		}
	}
	return EncodeDoc(d), nil
}

func (s *Server) getMailboxSettings(c *Call) error {
	it, err := s.mailboxSettings(c)
	if err != nil {
		return err
	}
	doc, err := renderMailboxSettings(c, it)
	if err != nil {
		return AsError(err)
	}
	ctx := c.BaseURL() + "/$metadata#users('" + c.TargetUser.ID + "')/mailboxSettings"
	path := strings.Split(strings.TrimSuffix(c.Match.Route.Path, "/"), "/")
	if last := path[len(path)-1]; last != "mailboxsettings" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(doc, &m); err != nil {
			return AsError(err)
		}
		for k, v := range m {
			if strings.EqualFold(k, last) {
				if strings.EqualFold(k, "timeZone") {
					return c.JSON(http.StatusOK, struct {
						Context string          `json:"@odata.context"`
						Value   json.RawMessage `json:"value"`
					}{ctx + "/" + k, v})
				}
				return c.JSON(http.StatusOK, WithContext(v, ctx+"/"+k))
			}
		}
		return ErrItemNotFound()
	}
	return c.JSON(http.StatusOK, WithContext(doc, ctx))
}

// mailboxSettingsPatch is PATCH /mailboxSettings: any subset.
type mailboxSettingsPatch struct {
	TimeZone                *string           `json:"timeZone"`
	DateFormat              *string           `json:"dateFormat"`
	TimeFormat              *string           `json:"timeFormat"`
	AutomaticRepliesSetting *automaticReplies `json:"automaticRepliesSetting"`
	Language                *localeInfo       `json:"language"`
	WorkingHours            *workingHours     `json:"workingHours"`
}

func (p mailboxSettingsPatch) apply(d *mailboxSettingsDoc) error {
	if p.TimeZone != nil {
		if _, ok := loadZone(*p.TimeZone); !ok {
			return NewErrorf(http.StatusBadRequest, "ErrorInvalidTimeZone", "The specified time zone isn't valid.")
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
				return ErrBadRequest("Invalid value '%s' for property 'status'.", a.Status)
			}
		}
		if a.ExternalAudience != "" {
			switch strings.ToLower(a.ExternalAudience) {
			case "none", "contactsonly", "all":
				cur.ExternalAudience = a.ExternalAudience
			default:
				return ErrBadRequest("Invalid value '%s' for property 'externalAudience'.", a.ExternalAudience)
			}
		}
		if a.InternalReplyMessage != "" {
			cur.InternalReplyMessage = a.InternalReplyMessage
		}
		if a.ExternalReplyMessage != "" {
			cur.ExternalReplyMessage = a.ExternalReplyMessage
		}
		for _, x := range []struct {
			in  *dateTimeTimeZone
			dst **dateTimeTimeZone
		}{{a.ScheduledStartDateTime, &cur.ScheduledStartDateTime}, {a.ScheduledEndDateTime, &cur.ScheduledEndDateTime}} {
			if x.in != nil {
				t, err := parseDTZ(*x.in)
				if err != nil {
					return err
				}
				v := dateTimeTimeZone{DateTime: t.In(mustZone(x.in.TimeZone)).Format(localLayout), TimeZone: x.in.TimeZone}
				*x.dst = &v
			}
		}
		if cur.Status == "scheduled" {
			if cur.ScheduledStartDateTime == nil || cur.ScheduledEndDateTime == nil {
				return NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "ScheduledStartDateTime and ScheduledEndDateTime are required when the status is scheduled.")
			}
			st, _ := parseDTZ(*cur.ScheduledStartDateTime)
			en, _ := parseDTZ(*cur.ScheduledEndDateTime)
			if !en.After(st) {
				return NewErrorf(http.StatusBadRequest, "ErrorInvalidScheduledOofDuration", "The scheduled end time must be after the start time.")
			}
		}
		d.AutomaticRepliesSetting = cur
	}
	return nil
}

func mustZone(name string) *timeLocation {
	if loc, ok := loadZone(name); ok {
		return loc
	}
	return utcLocation
}

func (s *Server) updateMailboxSettings(c *Call) error {
	if _, err := s.mailboxSettings(c); err != nil {
		return err
	}
	var p mailboxSettingsPatch
	if err := c.ReadBody(&p, mailboxBody); err != nil {
		return err
	}
	var perr error
	it, err := s.store.UpdateItem(c.ctx, c.TenantID, KindMailboxSettings, c.TargetUser.ID, 0, func(it store.Item) (store.Item, error) {
		d, err := DecodeDoc[mailboxSettingsDoc](it)
		if err != nil {
			return it, err
		}
		if perr = p.apply(&d); perr != nil {
			return it, perr
		}
		it.Doc = EncodeDoc(d)
		return it, nil
	})
	if perr != nil {
		return perr
	}
	if err != nil {
		return AsError(err)
	}
	doc, err := renderMailboxSettings(c, it)
	if err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusOK, WithContext(doc, c.BaseURL()+"/$metadata#users('"+c.TargetUser.ID+"')/mailboxSettings"))
}

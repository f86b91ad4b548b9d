package model

// KindMailboxSettings holds a user's mailbox settings (one item, id = user).
const KindMailboxSettings = "mailboxSettings"

// AutomaticReplies is a mailbox's automatic replies setting.
type AutomaticReplies struct {
	Status                 string            `json:"status"`
	ExternalAudience       string            `json:"externalAudience"`
	ScheduledStartDateTime *DateTimeTimeZone `json:"scheduledStartDateTime"`
	ScheduledEndDateTime   *DateTimeTimeZone `json:"scheduledEndDateTime"`
	InternalReplyMessage   string            `json:"internalReplyMessage"`
	ExternalReplyMessage   string            `json:"externalReplyMessage"`
}

// LocaleInfo is a mailbox's language.
type LocaleInfo struct {
	Locale      string `json:"locale"`
	DisplayName string `json:"displayName"`
}

// WorkingHours is a mailbox's working hours.
type WorkingHours struct {
	DaysOfWeek []string          `json:"daysOfWeek"`
	StartTime  string            `json:"startTime"`
	EndTime    string            `json:"endTime"`
	TimeZone   map[string]string `json:"timeZone"`
}

// MailboxSettings is a user's mailbox settings (one item, id = user).
type MailboxSettings struct {
	ArchiveFolder                         string           `json:"archiveFolder"`
	TimeZone                              string           `json:"timeZone"`
	DelegateMeetingMessageDeliveryOptions string           `json:"delegateMeetingMessageDeliveryOptions"`
	DateFormat                            string           `json:"dateFormat"`
	TimeFormat                            string           `json:"timeFormat"`
	UserPurpose                           string           `json:"userPurpose"`
	AutomaticRepliesSetting               AutomaticReplies `json:"automaticRepliesSetting"`
	Language                              LocaleInfo       `json:"language"`
	WorkingHours                          WorkingHours     `json:"workingHours"`
}

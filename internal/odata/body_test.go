package odata

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// testCSDL is an excerpt of Microsoft Graph v1.0's $metadata, with the
// shapes the rules below need: an open entity type with a base type,
// complex types with derived types, enumerations (one of flags),
// non-nullable properties and collections, navigation properties and a
// bound action.
const testCSDL = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
<edmx:DataServices>
<Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
<EnumType Name="importance"><Member Name="low" Value="0"/><Member Name="normal" Value="1"/><Member Name="high" Value="2"/></EnumType>
<EnumType Name="bodyType"><Member Name="text" Value="0"/><Member Name="html" Value="1"/></EnumType>
<EnumType Name="taskStatus"><Member Name="notStarted" Value="0"/><Member Name="inProgress" Value="1"/><Member Name="completed" Value="2"/></EnumType>
<EnumType Name="weekIndex" IsFlags="true"><Member Name="first" Value="1"/><Member Name="second" Value="2"/></EnumType>
<EntityType Name="entity" Abstract="true"><Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
<EntityType Name="outlookItem" BaseType="graph.entity" Abstract="true">
<Property Name="categories" Type="Collection(Edm.String)"/>
<Property Name="changeKey" Type="Edm.String"/>
<Property Name="createdDateTime" Type="Edm.DateTimeOffset"/>
</EntityType>
<EntityType Name="event" BaseType="graph.outlookItem" OpenType="true">
<Property Name="attendees" Type="Collection(graph.attendee)"/>
<Property Name="body" Type="graph.itemBody"/>
<Property Name="cancelledOccurrences" Type="Collection(Edm.String)" Nullable="false"/>
<Property Name="importance" Type="graph.importance"/>
<Property Name="isAllDay" Type="Edm.Boolean"/>
<Property Name="isOnlineMeeting" Type="Edm.Boolean"/>
<Property Name="reminderMinutesBeforeStart" Type="Edm.Int32"/>
<Property Name="subject" Type="Edm.String"/>
<Property Name="weeks" Type="graph.weekIndex"/>
<NavigationProperty Name="attachments" Type="Collection(graph.attachment)" ContainsTarget="true"/>
<NavigationProperty Name="singleValueExtendedProperties" Type="Collection(graph.singleValueLegacyExtendedProperty)"/>
</EntityType>
<EntityType Name="eventMessage" BaseType="graph.outlookItem"/>
<EntityType Name="todoTask" BaseType="graph.entity">
<Property Name="importance" Type="graph.importance" Nullable="false"/>
<Property Name="percent" Type="Edm.Double"/>
<Property Name="size" Type="Edm.Int64"/>
<Property Name="status" Type="graph.taskStatus" Nullable="false"/>
<Property Name="title" Type="Edm.String"/>
</EntityType>
<EntityType Name="user" BaseType="graph.entity" OpenType="true">
<Property Name="accountEnabled" Type="Edm.Boolean"/>
<Property Name="displayName" Type="Edm.String"/>
</EntityType>
<EntityType Name="attachment" BaseType="graph.entity" Abstract="true"><Property Name="name" Type="Edm.String"/></EntityType>
<EntityType Name="fileAttachment" BaseType="graph.attachment"><Property Name="contentBytes" Type="Edm.Binary"/></EntityType>
<EntityType Name="singleValueLegacyExtendedProperty" BaseType="graph.entity"><Property Name="value" Type="Edm.String"/></EntityType>
<ComplexType Name="itemBody"><Property Name="content" Type="Edm.String"/><Property Name="contentType" Type="graph.bodyType"/></ComplexType>
<ComplexType Name="emailAddress"><Property Name="address" Type="Edm.String"/><Property Name="name" Type="Edm.String"/></ComplexType>
<ComplexType Name="recipient"><Property Name="emailAddress" Type="graph.emailAddress"/></ComplexType>
<ComplexType Name="attendeeBase" BaseType="graph.recipient"><Property Name="type" Type="Edm.String"/></ComplexType>
<ComplexType Name="attendee" BaseType="graph.attendeeBase"><Property Name="proposedNewTime" Type="Edm.String"/></ComplexType>
<Action Name="sendMail" IsBound="true">
<Parameter Name="bindingParameter" Type="graph.user"/>
<Parameter Name="Message" Type="graph.eventMessage" Nullable="false"/>
<Parameter Name="SaveToSentItems" Type="Edm.Boolean"/>
</Action>
</Schema>
</edmx:DataServices>
</edmx:Edmx>`

func testModel(t testing.TB) *Model {
	t.Helper()
	m, err := ParseCSDL(strings.NewReader(testCSDL))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseCSDL(t *testing.T) {
	m := testModel(t)
	ev, ok := m.Type("#microsoft.graph.event")
	if !ok || ev.Name != "microsoft.graph.event" || !ev.Open || ev.Complex {
		t.Fatalf("event = %+v, %v", ev, ok)
	}
	for _, name := range []string{"event", "graph.event", "Microsoft.Graph.EVENT"} {
		if got, ok := m.Type(name); !ok || got != ev {
			t.Errorf("Type(%q) = %v, %v", name, got, ok)
		}
	}
	if _, ok := m.Type("microsoft.outlookServices.event"); ok {
		t.Error("a type of another namespace resolved")
	}
	// Properties of base types are the type's (OData v4 Part 3, 6.1.2).
	if p, ok := ev.Property("ID"); !ok || p.Name != "id" || p.Type.Nullable {
		t.Errorf("inherited id = %+v, %v", p, ok)
	}
	if p, ok := ev.Property("attendees"); !ok || !p.Type.Collection || p.Type.Structured == nil || p.Type.Structured.Name != "microsoft.graph.attendee" {
		t.Errorf("attendees = %+v", p)
	}
	if nav, ok := ev.Navigation("Attachments"); !ok || nav != "attachments" {
		t.Errorf("navigation attachments = %q, %v", nav, ok)
	}
	if _, ok := ev.Property("attachments"); ok {
		t.Error("a navigation property is not a structural property")
	}
	att, _ := m.Type("attendee")
	rec, _ := m.Type("recipient")
	if !att.IsA(rec) || rec.IsA(att) || !att.Complex {
		t.Error("attendee derives from recipient")
	}
	a, ok := m.Action("sendMail", "microsoft.graph.user")
	if !ok || len(a.Params) != 2 || a.Params[0].Name != "Message" || a.Params[0].Type.Nullable {
		t.Errorf("sendMail = %+v, %v", a, ok)
	}
	if _, ok := m.Action("sendMail", "event"); ok {
		t.Error("sendMail is not bound to event")
	}
	for _, bad := range []string{
		strings.Replace(testCSDL, `Type="graph.importance"/>`, `Type="graph.nosuch"/>`, 1),
		strings.Replace(testCSDL, `BaseType="graph.outlookItem" OpenType`, `BaseType="graph.nosuch" OpenType`, 1),
		strings.Replace(testCSDL, `<EntityType Name="entity" Abstract="true">`, `<EntityType Name="entity" BaseType="graph.event" Abstract="true">`, 1),
		"<not-csdl",
	} {
		if _, err := ParseCSDL(strings.NewReader(bad)); err == nil {
			t.Errorf("malformed CSDL accepted: %.80s", bad)
		}
	}
}

func TestNormalizeBody(t *testing.T) {
	m := testModel(t)
	typ := func(name string) *StructuredType {
		st, ok := m.Type(name)
		if !ok {
			t.Fatalf("no type %s", name)
		}
		return st
	}
	sendMail, _ := m.Action("sendMail", "user")
	const (
		payloadOK = ""
		// Rules, by source.
		converter   = "Microsoft.OData.Core ODataPayloadValueConverter.ConvertFromPayloadValue: a JSON string converts to any primitive by .NET parsing; a number or boolean only to a number or boolean"
		graphBool   = "jasonjoh on microsoftgraph/microsoft-graph-docs#12816: valid values are true, false, \"true\" or \"false\""
		caseNames   = "https://learn.microsoft.com/graph/traverse-the-graph: API property names and values are not case-sensitive"
		exchangeUnk = "microsoftgraph/msgraph-sdk-java#391: Exchange refuses an undeclared property with RequestBodyRead"
		dirUnk      = "pnp/PnP-Sites-Core#1807: the directory answers Request_BadRequest \"Invalid property 'responseHeaders'.\""
		odlUnk      = "Microsoft.OData.Core ValidatePropertyDefined: undeclared properties are refused on types that are not open"
		odlNull     = "OData v4 Part 3, 7.2.1 Nullable=false; Microsoft.OData.Core ReaderValidationUtils: null refused for a non-nullable type"
		odlType     = "OData JSON Format v4.01, 4.5.3 (odata.type); Microsoft.OData.Core ValidationUtils: the type must be the expected type or derived from it"
		odlDup      = "OData JSON Format v4.01, 4.5: a property appears at most once in an object"
		annotations = "OData JSON Format v4.01, 20: clients and services ignore annotations they do not understand"
	)
	ex := BodyOptions{Flavor: Exchange}
	gen := BodyOptions{Flavor: Generic, Code: "invalidRequest"}
	dir := BodyOptions{Flavor: Directory}
	tests := []struct {
		rule string
		t    *StructuredType
		o    BodyOptions
		in   string
		want string // normalized body, or the error "Code: Message"
	}{
		{graphBool, typ("event"), ex, `{"isOnlineMeeting":"false"}`, `{"isOnlineMeeting":false}`},
		{graphBool, typ("event"), ex, `{"isOnlineMeeting":" TRUE "}`, `{"isOnlineMeeting":true}`},
		{graphBool, typ("event"), ex, `{"isOnlineMeeting":false}`, `{"isOnlineMeeting":false}`},
		{converter, typ("event"), ex, `{"isOnlineMeeting":"yes"}`, "RequestBodyRead: Cannot convert the literal 'yes' to the expected type 'Edm.Boolean'."},
		{converter, typ("event"), ex, `{"isOnlineMeeting":1}`, "RequestBodyRead: Cannot convert the literal '1' to the expected type 'Edm.Boolean'."},
		{converter, typ("event"), ex, `{"reminderMinutesBeforeStart":"15"}`, `{"reminderMinutesBeforeStart":15}`},
		{converter, typ("event"), ex, `{"reminderMinutesBeforeStart":" -15 "}`, `{"reminderMinutesBeforeStart":-15}`},
		{converter, typ("event"), ex, `{"reminderMinutesBeforeStart":"1.5"}`, "RequestBodyRead: Cannot convert the literal '1.5' to the expected type 'Edm.Int32'."},
		{converter, typ("event"), ex, `{"reminderMinutesBeforeStart":1.5}`, "RequestBodyRead: Cannot convert the literal '1.5' to the expected type 'Edm.Int32'."},
		{converter, typ("event"), ex, `{"reminderMinutesBeforeStart":"3000000000"}`, "RequestBodyRead: Cannot convert the literal '3000000000' to the expected type 'Edm.Int32'."},
		{converter, typ("event"), ex, `{"reminderMinutesBeforeStart":true}`, "RequestBodyRead: Cannot convert the literal 'True' to the expected type 'Edm.Int32'."},
		{converter, typ("todoTask"), gen, `{"size":"3000000000"}`, `{"size":3000000000}`},
		{converter, typ("todoTask"), gen, `{"percent":"1.5"}`, `{"percent":1.5}`},
		{converter, typ("todoTask"), gen, `{"percent":"1,000.5"}`, `{"percent":1000.5}`},
		{converter, typ("todoTask"), gen, `{"percent":"NaN"}`, "invalidRequest: Cannot convert the literal 'NaN' to the expected type 'Edm.Double'."},
		{converter, typ("todoTask"), gen, `{"percent":2}`, `{"percent":2}`},
		{converter, typ("event"), ex, `{"subject":5}`, "RequestBodyRead: Cannot convert the literal '5' to the expected type 'Edm.String'."},
		{converter, typ("event"), ex, `{"subject":false}`, "RequestBodyRead: Cannot convert the literal 'False' to the expected type 'Edm.String'."},
		{converter, typ("event"), ex, `{"subject":{"a":1}}`, "RequestBodyRead: An unexpected 'StartObject' node was found when reading from the JSON reader. A 'PrimitiveValue' node was expected."},
		{converter, typ("event"), ex, `{"createdDateTime":20240101}`, "RequestBodyRead: Cannot convert the literal '20240101' to the expected type 'Edm.DateTimeOffset'."},
		{converter, typ("event"), ex, `{"body":"hello"}`, "RequestBodyRead: An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartObject' node was expected."},
		{converter, typ("event"), ex, `{"categories":"Red"}`, "RequestBodyRead: An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartArray' node was expected."},
		{converter, typ("event"), ex, `{"categories":["Red",5]}`, "RequestBodyRead: Cannot convert the literal '5' to the expected type 'Edm.String'."},
		{caseNames, typ("event"), ex, `{"importance":"High","body":{"contentType":"HTML","content":"<b>x</b>"}}`, `{"importance":"high","body":{"contentType":"html","content":"<b>x</b>"}}`},
		{caseNames, typ("event"), ex, `{"Subject":"x","ISALLDAY":"true"}`, `{"subject":"x","isAllDay":true}`},
		{caseNames, typ("event"), ex, `{"weeks":"First, SECOND"}`, `{"weeks":"first,second"}`},
		{caseNames + " (an unknown member is the handler's to refuse)", typ("event"), ex, `{"importance":"urgent"}`, `{"importance":"urgent"}`},
		{converter, typ("event"), ex, `{"importance":2}`, "RequestBodyRead: Cannot convert the literal '2' to the expected type 'microsoft.graph.importance'."},
		{exchangeUnk, typ("event"), ex, `{"subject":"x","graphResponseHeaders":{}}`, "RequestBodyRead: The property 'graphResponseHeaders' does not exist on type 'Microsoft.OutlookServices.Event'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{exchangeUnk + " (nested complex values too)", typ("event"), ex, `{"attendees":[{"emailAddress":{"address":"a@b","nick":"x"}}]}`, "RequestBodyRead: The property 'nick' does not exist on type 'Microsoft.OutlookServices.EmailAddress'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{dirUnk, typ("user"), dir, `{"displayName":"x","responseHeaders":{}}`, "Request_BadRequest: Invalid property 'responseHeaders'."},
		{"msgraph-sdk-dotnet#2680: unregistered directory extension properties", typ("user"), dir, `{"extension_0123_color":"red"}`, "Request_BadRequest: The following extension properties are not available: extension_0123_color."},
		{"Azure-Samples/ms-identity-dotnetcore-b2c-account-management#16: the directory's invalid value", typ("user"), dir, `{"accountEnabled":"maybe"}`, "Request_BadRequest: Invalid value specified for property 'accountEnabled' of resource 'User'."},
		{graphBool, typ("user"), dir, `{"accountEnabled":"False"}`, `{"accountEnabled":false}`},
		{odlUnk, typ("todoTask"), gen, `{"title":"x","colour":"red"}`, "invalidRequest: The property 'colour' does not exist on type 'microsoft.graph.todoTask'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{odlUnk + " (open types keep them)", typ("user"), BodyOptions{}, `{"displayName":"x","favourite":1}`, `{"displayName":"x","favourite":1}`},
		{odlNull, typ("todoTask"), gen, `{"status":null}`, "invalidRequest: A null value was found for the property named 'status', which has the expected type 'microsoft.graph.taskStatus[Nullable=False]'. The expected type 'microsoft.graph.taskStatus[Nullable=False]' does not allow null values."},
		{odlNull, typ("todoTask"), gen, `{"title":null}`, `{"title":null}`},
		{odlNull, typ("event"), ex, `{"cancelledOccurrences":["a",null]}`, "RequestBodyRead: A null value was found with the expected type 'Edm.String[Nullable=False]'. The expected type 'Edm.String[Nullable=False]' does not allow null values."},
		{odlNull, typ("event"), ex, `{"categories":["a",null]}`, `{"categories":["a",null]}`},
		{odlType, typ("event"), ex, `{"@odata.type":"#microsoft.graph.event","subject":"x"}`, `{"@odata.type":"#microsoft.graph.event","subject":"x"}`},
		{odlType, typ("event"), ex, `{"@odata.type":"microsoft.graph.Event"}`, `{"@odata.type":"#microsoft.graph.event"}`},
		{odlType, typ("event"), ex, `{"@odata.type":"#microsoft.graph.eventMessage"}`, "RequestBodyRead: A resource with type 'Microsoft.OutlookServices.EventMessage' was found, but it is not assignable to the expected type 'Microsoft.OutlookServices.Event'. The type specified in the resource must be equal to either the expected type or a derived type."},
		{odlType, typ("event"), ex, `{"@odata.type":"#microsoft.graph.calendar"}`, "RequestBodyRead: A resource with type 'microsoft.graph.calendar' was found, but it is not assignable to the expected type 'Microsoft.OutlookServices.Event'. The type specified in the resource must be equal to either the expected type or a derived type."},
		{odlType, typ("event"), ex, `{"@odata.type":"#contoso.widget"}`, "RequestBodyRead: A type named 'contoso.widget' could not be resolved by the model. When a model is available, each type name must resolve to a valid type."},
		{odlType + " (a derived type's properties apply)", typ("attachment"), ex, `{"@odata.type":"#microsoft.graph.fileAttachment","name":"a.txt","contentBytes":"aGk="}`, `{"@odata.type":"#microsoft.graph.fileAttachment","name":"a.txt","contentBytes":"aGk="}`},
		{odlType, typ("attachment"), ex, `{"name":"a.txt","contentBytes":"aGk="}`, "RequestBodyRead: The property 'contentBytes' does not exist on type 'Microsoft.OutlookServices.Attachment'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{odlType + " (in complex values: the .NET SDK writes it on every object)", typ("event"), ex, `{"attendees":[{"@odata.type":"#microsoft.graph.attendee","type":"required","emailAddress":{"@odata.type":"#microsoft.graph.emailAddress","address":"a@b"}}]}`,
			`{"attendees":[{"@odata.type":"#microsoft.graph.attendee","type":"required","emailAddress":{"@odata.type":"#microsoft.graph.emailAddress","address":"a@b"}}]}`},
		{odlType + " (a base type's properties are an attendee's)", typ("event"), ex, `{"attendees":[{"type":"optional","proposedNewTime":"x","emailAddress":{"address":"a@b"}}]}`, `{"attendees":[{"type":"optional","proposedNewTime":"x","emailAddress":{"address":"a@b"}}]}`},
		{annotations, typ("event"), ex, `{"@odata.etag":"W/\"1\"","subject@odata.type":"#String","@microsoft.graph.conflictBehavior":"rename","subject":"x"}`, `{"@odata.etag":"W/\"1\"","subject@odata.type":"#String","@microsoft.graph.conflictBehavior":"rename","subject":"x"}`},
		{"OData JSON Format v4.01, 8.5: navigation properties may carry nested content on create", typ("event"), ex, `{"singleValueExtendedProperties":[{"id":"Boolean {0002} Name DoNotForward","value":"false"}],"Attachments":[]}`, `{"singleValueExtendedProperties":[{"id":"Boolean {0002} Name DoNotForward","value":"false"}],"attachments":[]}`},
		{odlDup, typ("event"), ex, `{"subject":"a","Subject":"b"}`, "RequestBodyRead: Multiple properties with the name 'subject' were detected in a resource or a complex value. In OData, duplicate property names are not allowed."},
		{"OData JSON Format v4.01, 18: an action's parameters are the members of its body", sendMail.ActionType(), ex, `{"message":{"categories":["x"]},"saveToSentItems":"false"}`, `{"Message":{"categories":["x"]},"SaveToSentItems":false}`},
		{"Microsoft.OData.Core ODataParameterReader: an undeclared parameter is refused", sendMail.ActionType(), ex, `{"message":{},"copyToSentItems":true}`, "RequestBodyRead: The parameter 'copyToSentItems' in the request payload is not a valid parameter for the operation 'sendMail'."},
		{odlNull, sendMail.ActionType(), ex, `{"message":null}`, "RequestBodyRead: A null value was found for the property named 'Message', which has the expected type 'microsoft.graph.eventMessage[Nullable=False]'. The expected type 'microsoft.graph.eventMessage[Nullable=False]' does not allow null values."},
		{"a body is a JSON object", typ("event"), ex, `["a"]`, "RequestBodyRead: An unexpected 'StartArray' node was found when reading from the JSON reader. A 'StartObject' node was expected."},
		{"malformed JSON", typ("event"), ex, `{"subject":`, "BadRequest: " + MalformedBodyMessage},
		{"malformed JSON", typ("event"), ex, "{\"subject\":\"\xff\"}", "BadRequest: " + MalformedBodyMessage},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := m.NormalizeBody([]byte(tc.in), tc.t, tc.o)
			if strings.Contains(tc.want, ": ") && !strings.HasPrefix(tc.want, "{") {
				var e *Error
				if !errors.As(err, &e) || e.Error() != tc.want || e.Status != 400 {
					t.Fatalf("%s\nerror %v, want %s (body %s)", tc.rule, err, tc.want, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nerror %v", tc.rule, err)
			}
			if string(got) != tc.want {
				t.Errorf("%s\n got %s\nwant %s", tc.rule, got, tc.want)
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type recipient struct {
		Address string `json:"address"`
	}
	type input struct {
		IsOnlineMeeting *bool       `json:"isOnlineMeeting"`
		Minutes         *int        `json:"reminderMinutesBeforeStart"`
		Size            int64       `json:"size"`
		Percent         float64     `json:"percent"`
		Subject         *string     `json:"subject"`
		To              []recipient `json:"toRecipients"`
		Flags           []bool      `json:"flags"`
		Raw             json.RawMessage
	}
	yes, no, fifteen, subject := true, false, 15, "Hi"
	tests := []struct {
		in   string
		want input
		err  string
	}{
		// Microsoft.OData.Core's conversions, by the Go type a value lands in.
		{in: `{"isOnlineMeeting":"false","reminderMinutesBeforeStart":"15","size":"3000000000","percent":"1.5"}`,
			want: input{IsOnlineMeeting: &no, Minutes: &fifteen, Size: 3000000000, Percent: 1.5}},
		{in: `{"ISONLINEMEETING":true,"Subject":"Hi","flags":["True",false]}`, want: input{IsOnlineMeeting: &yes, Subject: &subject, Flags: []bool{true, false}}},
		{in: `{"isOnlineMeeting":null,"subject":null,"unknown":{"x":[1]},"raw":{"a":"b"}}`, want: input{Raw: json.RawMessage(`{"a":"b"}`)}},
		{in: `{"isOnlineMeeting":"no"}`, err: "BadRequest: Cannot convert the literal 'no' to the expected type 'Edm.Boolean'."},
		{in: `{"reminderMinutesBeforeStart":"3000000000"}`, err: "BadRequest: Cannot convert the literal '3000000000' to the expected type 'Edm.Int32'."},
		{in: `{"subject":15}`, err: "BadRequest: Cannot convert the literal '15' to the expected type 'Edm.String'."},
		{in: `{"toRecipients":[{"address":true}]}`, err: "BadRequest: Cannot convert the literal 'True' to the expected type 'Edm.String'."},
		{in: `{"subject":["a"]}`, err: "BadRequest: An unexpected 'StartArray' node was found when reading from the JSON reader. A 'PrimitiveValue' node was expected."},
		{in: `{"toRecipients":"a@b"}`, err: "BadRequest: An unexpected 'PrimitiveValue' node was found when reading from the JSON reader. A 'StartArray' node was expected."},
		{in: `{"subject":"a","SUBJECT":"b"}`, err: "BadRequest: Multiple properties with the name 'SUBJECT' were detected in a resource or a complex value. In OData, duplicate property names are not allowed."},
		{in: `{"subject":`, err: "BadRequest: " + MalformedBodyMessage},
	}
	for _, tc := range tests {
		var got input
		err := DecodeJSON([]byte(tc.in), &got, BodyOptions{Flavor: Generic})
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
	// The wording is the workload's.
	var in input
	if err := DecodeJSON([]byte(`{"subject":1}`), &in, BodyOptions{Flavor: Exchange}); err == nil || !strings.HasPrefix(err.Error(), "RequestBodyRead: ") {
		t.Errorf("Exchange wording: %v", err)
	}
}

// FuzzNormalizeBody checks that no body panics NormalizeBody or DecodeJSON,
// that every refusal is an *Error, and that a normalized body is JSON that
// normalizes to itself (the rewriting is idempotent).
func FuzzNormalizeBody(f *testing.F) {
	for _, s := range []string{
		`{"isOnlineMeeting":"false","subject":"x","importance":"High"}`,
		`{"attendees":[{"@odata.type":"#microsoft.graph.attendee","emailAddress":{"address":"a@b"}}],"categories":["a",null]}`,
		`{"@odata.type":"#microsoft.graph.fileAttachment","name":"a","contentBytes":"aGk="}`,
		`{"reminderMinutesBeforeStart":" 15 ","weeks":"first,Second","body":{"contentType":"HTML"}}`,
		`{"subject":"a","SUBJECT":"b"}`,
		`{"cancelledOccurrences":[null]}`,
		`{"@odata.type":5}`,
		`[1,2]`,
		`{"subject":`,
		`{"singleValueExtendedProperties":[{"id":"x","value":"false"}]}`,
	} {
		f.Add(s)
	}
	m := testModel(f)
	ev, _ := m.Type("event")
	att, _ := m.Type("attachment")
	f.Fuzz(func(t *testing.T, body string) {
		for _, typ := range []*StructuredType{ev, att} {
			out, err := m.NormalizeBody([]byte(body), typ, BodyOptions{Flavor: Exchange})
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("NormalizeBody(%q): error %T is not *Error", body, err)
				}
				continue
			}
			if !json.Valid(out) {
				t.Fatalf("NormalizeBody(%q) = %q, not JSON", body, out)
			}
			again, err := m.NormalizeBody(out, typ, BodyOptions{Flavor: Exchange})
			if err != nil || string(again) != string(out) {
				t.Fatalf("NormalizeBody(%q) = %q, normalized again: %q, %v", body, out, again, err)
			}
		}
		var dst struct {
			Subject *string        `json:"subject"`
			On      bool           `json:"isOnlineMeeting"`
			Minutes int            `json:"reminderMinutesBeforeStart"`
			Any     map[string]any `json:"body"`
		}
		if err := DecodeJSON([]byte(body), &dst, BodyOptions{}); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeJSON(%q): error %T is not *Error", body, err)
			}
		}
	})
}

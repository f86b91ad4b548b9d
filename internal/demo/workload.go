package demo

import (
	"context"
	"time"

	"graphgate/internal/model"
	"graphgate/internal/store"
)

// seedWorkloads gives the demo users mail, calendars, tasks, chats,
// presence, contacts, OneDrive files and OneNote notebooks, relative to the
// seeding time so that "this week" always has something in it, and records
// the sharing the demo describes: Megan shares her calendar (read) and
// mailbox (read and write) with Adele, and Adele is the delegate of the
// support shared mailbox (read, write, send); Adele and Megan share a file
// of their OneDrive with each other.
func seedWorkloads(ctx context.Context, st store.Items, now time.Time, e entropy) error {
	sd := model.NewSeeder(st, TenantID, now).WithIDs(e.stream("items/" + TenantID))
	day := now.Truncate(24 * time.Hour)
	user := func(k string) (id, name, addr string) {
		for _, u := range users {
			if u.key == k {
				return u.id, u.name, u.upn
			}
		}
		panic("demo: no user " + k)
	}
	adele, adeleName, adeleAddr := user("adele")
	megan, meganName, meganAddr := user("megan")
	admin, adminName, adminAddr := user("admin")
	lynne, lynneName, lynneAddr := user("lynne")
	support, _, supportAddr := user("support")

	for _, id := range []string{adele, megan, admin, lynne, support} {
		sd.Mailbox(id)
	}
	inbox := func(id string) string { return model.FolderID(id, "inbox") }
	invoices := sd.MailFolder(adele, "", "Invoices")
	sd.Message(adele, model.SeedMessage{Folder: inbox(adele), FromName: meganName, FromAddr: meganAddr, To: []string{adeleAddr},
		Subject: "Launch plan — please review", Body: "<p>Hi Adele, the launch plan is attached. Can you review it by Friday?</p>", HTML: true,
		Received: now.Add(-2 * time.Hour), Importance: "high", Attachment: &model.SeedAttachment{Name: "launch-plan.txt", ContentType: "text/plain", Content: []byte("1. Announce\n2. Ship\n")}})
	sd.Message(adele, model.SeedMessage{Folder: inbox(adele), FromName: "Fabrikam Billing", FromAddr: "billing@fabrikam.com", To: []string{adeleAddr},
		Subject: "Invoice INV-1042", Body: "Your invoice INV-1042 for May is ready.", Received: now.Add(-26 * time.Hour), IsRead: true})
	sd.Message(adele, model.SeedMessage{Folder: inbox(adele), FromName: adminName, FromAddr: adminAddr, To: []string{adeleAddr, meganAddr},
		Subject: "Office closed on Monday", Body: "The office is closed on Monday for maintenance.", Received: now.Add(-50 * time.Hour), IsRead: true})
	sd.Message(adele, model.SeedMessage{Folder: invoices, FromName: "Fabrikam Billing", FromAddr: "billing@fabrikam.com", To: []string{adeleAddr},
		Subject: "Invoice INV-0977", Body: "Your invoice INV-0977 for April.", Received: now.Add(-30 * 24 * time.Hour), IsRead: true})
	sd.Message(megan, model.SeedMessage{Folder: inbox(megan), FromName: adeleName, FromAddr: adeleAddr, To: []string{meganAddr},
		Subject: "Re: Launch plan", Body: "Looks good, two comments inline.", Received: now.Add(-90 * time.Minute)})
	sd.Message(support, model.SeedMessage{Folder: inbox(support), FromName: "Contoso Customer", FromAddr: "customer@example.com", To: []string{supportAddr},
		Subject: "My order has not arrived", Body: "Order 5567 was due last week.", Received: now.Add(-3 * time.Hour)})

	sd.Calendar(adele, adeleName, adeleAddr)
	sd.Calendar(megan, meganName, meganAddr)
	sd.Calendar(admin, adminName, adminAddr)
	sd.Event(adele, adeleName, adeleAddr, model.SeedEvent{Subject: "Team sync", Body: "Weekly team sync.", Location: "Room 1", TimeZone: "Pacific Standard Time",
		Start: day.Add(17 * time.Hour), Duration: 30 * time.Minute, Weekly: 12, Attendees: []string{meganAddr}})
	sd.Event(adele, adeleName, adeleAddr, model.SeedEvent{Subject: "Customer visit", Location: "Fabrikam HQ", Start: day.Add(2*24*time.Hour + 14*time.Hour), Duration: 2 * time.Hour})
	sd.Event(adele, adeleName, adeleAddr, model.SeedEvent{Subject: "Company holiday", Start: day.Add(7 * 24 * time.Hour), Duration: 24 * time.Hour, AllDay: true})
	sd.Event(megan, meganName, meganAddr, model.SeedEvent{Subject: "Stand-up", Start: day.Add(-7*24*time.Hour + 9*time.Hour), Duration: 15 * time.Minute, Daily: true})
	sd.Event(megan, meganName, meganAddr, model.SeedEvent{Subject: "Launch review", Start: day.Add(24*time.Hour + 15*time.Hour), Duration: time.Hour, Attendees: []string{adeleAddr}})
	sd.Calendar(groupID("marketing"), "Marketing", "marketing@"+TenantDomain)
	sd.Event(groupID("marketing"), "Marketing", "marketing@"+TenantDomain, model.SeedEvent{Subject: "Marketing all-hands", Start: day.Add(3*24*time.Hour + 16*time.Hour), Duration: time.Hour})

	due := now.Add(48 * time.Hour)
	al := sd.TodoList(adele)
	sd.Task(adele, al, "Review launch plan", "notStarted", &due)
	sd.Task(adele, al, "Book travel to Fabrikam", "inProgress", nil)
	sd.Task(adele, al, "Submit expenses", "completed", nil)
	ml := sd.TodoList(megan)
	sd.Task(megan, ml, "Draft press release", "notStarted", &due)

	sd.Chat("", []model.ChatMember{{ID: adele, Name: adeleName, Email: adeleAddr}, {ID: megan, Name: meganName, Email: meganAddr}},
		[]struct {
			From int
			Text string
		}{{1, "Did you see the launch plan?"}, {0, "Yes — reviewing it now."}, {1, "Thanks!"}})
	sd.Chat("Launch", []model.ChatMember{{ID: adele, Name: adeleName, Email: adeleAddr}, {ID: megan, Name: meganName, Email: meganAddr}, {ID: lynne, Name: lynneName, Email: lynneAddr}},
		[]struct {
			From int
			Text string
		}{{0, "Welcome to the launch chat."}, {2, "Security review is booked for Thursday."}})

	sd.Presence(adele, "Available", "Available")
	sd.Presence(megan, "Busy", "Busy")
	sd.Presence(lynne, "Away", "Away")

	// Contacts: Adele's address book (with a Partners folder) and Megan's.
	sd.ContactsFolder(adele)
	sd.ContactsFolder(megan)
	partners := sd.ContactFolder(adele, "Partners")
	sd.Contact(adele, model.SeedContact{GivenName: "Megan", Surname: "Bowen", Email: meganAddr, EmailDisplayName: meganName, JobTitle: "Marketing Manager",
		Company: "Contoso", BusinessPhone: "+1 425 555 0109", City: "Redmond"})
	sd.Contact(adele, model.SeedContact{DisplayName: "Fabrikam Billing", Company: "Fabrikam", Email: "billing@fabrikam.com", EmailDisplayName: "Fabrikam Billing",
		BusinessPhone: "+1 206 555 0142", City: "Seattle", Categories: []string{"Suppliers"}})
	sd.Contact(adele, model.SeedContact{Folder: partners, GivenName: "Kim", Surname: "Akers", Email: "kim@fabrikam.com", EmailDisplayName: "Kim Akers",
		Company: "Fabrikam", JobTitle: "Sales Manager", MobilePhone: "+1 206 555 0187", City: "Seattle", Notes: "Met at the partner summit."})
	sd.Contact(adele, model.SeedContact{Folder: partners, GivenName: "Alex", Surname: "Wilber", Company: "Northwind Traders", JobTitle: "Buyer",
		MobilePhone: "+1 503 555 0111", City: "Portland"})
	sd.Contact(megan, model.SeedContact{GivenName: "Adele", Surname: "Vance", Email: adeleAddr, EmailDisplayName: adeleName, JobTitle: "Retail Manager",
		Company: "Contoso"})

	// OneDrive: a few files and folders each; Adele shares the launch plan
	// with Megan (edit), Megan her roadmap with Adele (view).
	adeleDrive := model.SeedDriveOwner{ID: adele, DisplayName: adeleName, UserPrincipalName: adeleAddr}
	meganDrive := model.SeedDriveOwner{ID: megan, DisplayName: meganName, UserPrincipalName: meganAddr}
	ar := sd.Drive(adeleDrive)
	sd.DriveFile(adele, ar, "Welcome.txt", []byte("Welcome to your OneDrive, Adele.\n"))
	projects := sd.DriveFolder(adele, ar, "Projects")
	plan := sd.DriveFile(adele, projects, "Launch plan.txt", []byte("Launch plan\n1. Announce\n2. Ship\n3. Celebrate\n"))
	sd.DriveFile(adele, projects, "Budget.csv", []byte("item,amount\nvenue,1200\ncatering,800\n"))
	personal := sd.DriveFolder(adele, ar, "Personal")
	sd.DriveFile(adele, personal, "Notes.txt", []byte("Remember to book travel to Fabrikam.\n"))
	sd.DriveShare(adele, plan, meganDrive, "write")
	mr := sd.Drive(meganDrive)
	sd.DriveFile(megan, mr, "Ideas.txt", []byte("Campaign ideas: spring launch, partner webinar.\n"))
	marketingFolder := sd.DriveFolder(megan, mr, "Marketing")
	roadmap := sd.DriveFile(megan, marketingFolder, "Roadmap.txt", []byte("Q1: research\nQ2: launch\nQ3: expand\n"))
	sd.DriveShare(megan, roadmap, adeleDrive, "read")
	// Sam's OneDrive is in the personal-accounts tenant.
	psd := model.NewSeeder(st, store.PersonalTenantID, now).WithIDs(e.stream("items/" + store.PersonalTenantID))
	sam, samName, samAddr := user("sam")
	sr := psd.Drive(model.SeedDriveOwner{ID: sam, DisplayName: samName, UserPrincipalName: samAddr, Personal: true})
	psd.DriveFile(sam, sr, "Getting started with OneDrive.txt", []byte("Your files, anywhere.\n"))
	if err := psd.Flush(ctx); err != nil {
		return err
	}

	// OneNote: Adele's notebook and the Marketing group's.
	nb := sd.Notebook(adele, adeleName, "Adele's Notebook", true, false)
	quick := sd.NotebookSection(adele, nb, "Quick Notes", true)
	sd.NotebookPage(adele, quick, "Launch checklist", "<p>Before the launch:</p><ul><li>Review the plan with Megan</li><li>Book the venue</li></ul>")
	sd.NotebookSection(adele, nb, "Meetings", false)
	gnb := sd.Notebook(groupID("marketing"), "Marketing", "Marketing Notebook", true, true)
	campaigns := sd.NotebookSection(groupID("marketing"), gnb, "Campaigns", true)
	sd.NotebookPage(groupID("marketing"), campaigns, "Spring campaign", "<p>Goals, channels and budget for the spring campaign.</p>")

	sd.Delegate(megan, adele, "Calendars", "read")
	sd.Delegate(megan, adele, "Mail", "read", "write")
	sd.Delegate(support, adele, "Mail", "read", "write", "send")
	sd.Delegate(support, adele, "Calendars", "read", "write")
	return sd.Flush(ctx)
}

func groupID(key string) string {
	switch key {
	case "marketing":
		return "0a1b2c3d-3333-4a5b-8c6d-000000000001"
	}
	panic("demo: no group " + key)
}

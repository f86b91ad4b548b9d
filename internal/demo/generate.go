package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/directory"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// Generated tenants: Generate adds a tenant's worth of synthetic data to the
// demo tenant, for measuring graphgate at scale (bench/scale) and for
// trying queries on realistic volumes.

// Scale-1 volumes: what Generate creates with Scale 1. Every count is
// multiplied by the scale and rounded (at least 1).
const (
	ScaleUsers    = 100_000
	ScaleMessages = 1_000_000
	ScaleEvents   = 200_000
	ScaleTasks    = 100_000
)

// Words a generated tenant's text is drawn from, for $search measurements:
// RareWord is in the body of one message in 100,000 (and at least one);
// AbsentWord is in none.
const (
	RareWord   = "quokka"
	AbsentWord = "zyzzyva"
)

// GenerateOptions tune Generate.
type GenerateOptions struct {
	// Scale multiplies the scale-1 volumes (ScaleUsers, …): 1 is 100k
	// users and 1M messages, 0.01 a thousand users and 10k messages.
	Scale float64
	// Seed makes the data (text, flags, dates and ids) the same on every
	// run with the same Scale and Seed.
	Seed uint64
	// Now anchors dates (messages in the year before it, events around
	// it); zero means the current time, truncated to the day.
	Now time.Time
	// Batch is the number of items stored per transaction (default 2,000):
	// memory stays bounded by it, whatever the scale.
	Batch int
	// Progress, when set, is called after every batch with the counts so far.
	Progress func(GenerateProgress)
}

// GenerateProgress counts what Generate has stored, out of its totals.
type GenerateProgress struct {
	Users, Messages, Events, Tasks         int
	UsersOf, MessagesOf, EventsOf, TasksOf int
}

// Done is the fraction of all objects stored, from 0 to 1.
func (p GenerateProgress) Done() float64 {
	total := p.UsersOf + p.MessagesOf + p.EventsOf + p.TasksOf
	if total == 0 {
		return 1
	}
	return float64(p.Users+p.Messages+p.Events+p.Tasks) / float64(total)
}

// Generated describes a generated tenant (stored as the setting
// demo.generated, and returned by Generate).
type Generated struct {
	Scale    float64 `json:"scale"`
	Seed     uint64  `json:"seed"`
	Users    int     `json:"users"`
	Messages int     `json:"messages"`
	Events   int     `json:"events"`
	Tasks    int     `json:"tasks"`
	// Mailboxes is the number of generated users with mail, a calendar
	// and tasks (one in a hundred); the demo user Adele holds a fifth of
	// the messages (in her inbox) and a tenth of the events and tasks.
	Mailboxes int `json:"mailboxes"`
	// RareWord and AbsentWord are the words for $search measurements.
	RareWord   string `json:"rareWord"`
	AbsentWord string `json:"absentWord"`
	// Subject is the subject of a few messages in Adele's inbox, for
	// $filter=subject eq '…' measurements.
	Subject string `json:"subject"`
}

// settingGenerated marks a store that holds generated data.
const settingGenerated = "demo.generated"

// ErrGenerated is returned by Generate when the store already holds a
// generated tenant: generating twice would double the data.
var ErrGenerated = errors.New("demo: this store already holds generated data")

// ErrScale is returned by Generate for a scale outside (0, 100].
var ErrScale = errors.New("demo: the scale must be more than 0 and at most 100")

// LoadGenerated returns the description of the store's generated data, or
// store.ErrNotFound.
func LoadGenerated(ctx context.Context, st store.Settings) (Generated, error) {
	var g Generated
	b, err := st.Setting(ctx, settingGenerated)
	if err != nil {
		return g, err
	}
	return g, json.Unmarshal(b, &g)
}

// Generate adds synthetic users, mail, events and tasks to the demo tenant
// (which must be seeded: Seed), in batches of o.Batch items per
// transaction, so that memory does not grow with the scale. Users are
// user000001@contoso… with names from a fixed list; one in a hundred has a
// mailbox, a calendar and a To Do list, and the demo user Adele holds a
// fifth of the messages in her inbox (half unread) and a tenth of the
// events (one in ten a weekly series) and tasks (40% not completed), so
// that one signed-in user sees a large mailbox.
//
// A store that already holds generated data returns ErrGenerated. A
// generation that fails half-way leaves what it stored — on a
// store.BulkLoader the users only, the items being one bulk load that
// keeps nothing unless it completes: generate into a new data folder or
// store.
func Generate(ctx context.Context, st store.Store, o GenerateOptions) (Generated, error) {
	if !(o.Scale > 0) || o.Scale > 100 {
		return Generated{}, fmt.Errorf("%w: %v", ErrScale, o.Scale)
	}
	if _, err := LoadGenerated(ctx, st); err == nil {
		return Generated{}, ErrGenerated
	} else if !errors.Is(err, store.ErrNotFound) {
		return Generated{}, err
	}
	if _, err := Load(ctx, st); err != nil {
		return Generated{}, err
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC().Truncate(24 * time.Hour)
	}
	if o.Batch <= 0 {
		o.Batch = 2000
	}
	n := func(base int) int { return max(1, int(math.Round(float64(base)*o.Scale))) }
	g := Generated{Scale: o.Scale, Seed: o.Seed, Users: n(ScaleUsers), Messages: n(ScaleMessages), Events: n(ScaleEvents), Tasks: n(ScaleTasks),
		RareWord: RareWord, AbsentWord: AbsentWord, Subject: "Quarterly review " + words[0] + " " + words[1]}
	g.Mailboxes = max(1, g.Users/100)
	gen := &generator{st: st, dir: directory.New(st, directory.Options{Now: func() time.Time { return o.Now }}), o: o, g: g, r: rand.New(rand.NewPCG(o.Seed, 0x6772617068676174)),
		items: &itemsTo{st}}
	gen.sd = model.NewSeeder(gen.items, TenantID, o.Now)
	gen.sd.WithIDs(rand.NewChaCha8(seed32(o.Seed)))
	gen.p = GenerateProgress{UsersOf: g.Users, MessagesOf: g.Messages, EventsOf: g.Events, TasksOf: g.Tasks}
	if err := gen.deferSync(ctx, gen.users); err != nil {
		return Generated{}, err
	}
	if err := gen.load(ctx, gen.messages, gen.events, gen.tasks); err != nil {
		return Generated{}, err
	}
	// Planner statistics, where the backend keeps them, describe the
	// data just loaded (store.Analyzer).
	if a, ok := st.(store.Analyzer); ok {
		if err := a.Analyze(ctx); err != nil {
			return Generated{}, fmt.Errorf("demo: analyzing the generated data: %w", err)
		}
	}
	b, err := json.Marshal(g)
	if err != nil {
		return Generated{}, err
	}
	return g, st.PutSetting(ctx, settingGenerated, b)
}

func seed32(s uint64) [32]byte {
	var b [32]byte
	for i := range 4 {
		v := s ^ uint64(i)*0x9e3779b97f4a7c15
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	return b
}

type generator struct {
	st  store.Store
	dir *directory.Service
	o   GenerateOptions
	g   Generated
	r   *rand.Rand
	sd  *model.Seeder
	// items is where the seeder stores its batches: the store, or a bulk
	// load's Items while one runs (load).
	items *itemsTo
	p     GenerateProgress
	// mailboxes are the generated users with mail, calendar and tasks:
	// id, display name, address.
	mailboxes [][3]string
}

// itemsTo is the seeder's store.Items, which load points at a bulk load's
// Items while it runs: the seeder (its ids, its pending items) stays the
// same, so the data is the same whichever way it is stored.
type itemsTo struct{ store.Items }

// load runs the steps that create items (messages, events, tasks): in one
// bulk load when the store has one (store.BulkLoader: SQLite builds its
// indexes once, after the load, instead of maintaining them per insert),
// else batch by batch through CreateItems. Progress is reported after
// every batch either way; in a bulk load nothing of it is kept until all
// of it is (a failure or a crash keeps the generated users only).
func (g *generator) load(ctx context.Context, steps ...func(context.Context) error) error {
	run := func(ctx context.Context) error {
		for _, step := range steps {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	bl, ok := g.st.(store.BulkLoader)
	if !ok {
		return run(ctx)
	}
	st := g.items.Items
	defer func() { g.items.Items = st }()
	return bl.BulkLoad(ctx, func(ctx context.Context, items store.Items) error {
		g.items.Items = items
		return run(ctx)
	})
}

// deferSync runs step with the store's syncs deferred to its end, when the
// store can (store.SyncDeferrer): the users are created one transaction
// each, and on SQLite an fsync per commit was most of their time.
func (g *generator) deferSync(ctx context.Context, step func(context.Context) error) error {
	if d, ok := g.st.(store.SyncDeferrer); ok {
		return d.DeferSync(ctx, step)
	}
	return step(ctx)
}

// flush stores the seeder's items once a batch is full (or always, when
// force), and reports progress.
func (g *generator) flush(ctx context.Context, force bool) error {
	if !force && g.sd.Pending() < g.o.Batch {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := g.sd.Flush(ctx); err != nil {
		return fmt.Errorf("demo: generating: %w", err)
	}
	if g.o.Progress != nil {
		g.o.Progress(g.p)
	}
	return nil
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

// users creates the generated users (every hundredth with a mailbox).
func (g *generator) users(ctx context.Context) error {
	for i := 1; i <= g.g.Users; i++ {
		given, surname := g.pick(givenNames), g.pick(surnames)
		upn := fmt.Sprintf("user%06d@%s", i, TenantDomain)
		id := fmt.Sprintf("0a1b2c3d-9999-4a5b-8c6d-%012d", i)
		u := store.User{ID: id, TenantID: TenantID, UserPrincipalName: upn, DisplayName: given + " " + surname, GivenName: given, Surname: surname,
			Mail: upn, JobTitle: g.pick(jobs), Department: g.pick(departments), Kind: store.UserMember, AccountEnabled: true,
			UsageLocation: "US", PreferredLanguage: "en-US", CreatedAt: g.o.Now}
		if err := g.dir.ProvisionUser(ctx, u); err != nil {
			return fmt.Errorf("demo: generating user %s: %w", upn, err)
		}
		if i%100 == 1 && len(g.mailboxes) < g.g.Mailboxes {
			g.mailboxes = append(g.mailboxes, [3]string{id, u.DisplayName, upn})
			g.sd.Mailbox(id)
			g.sd.Calendar(id, u.DisplayName, upn)
			g.sd.TodoList(id)
		}
		g.p.Users++
		if i%g.o.Batch == 0 {
			if err := g.flush(ctx, true); err != nil {
				return err
			}
		}
	}
	return g.flush(ctx, true)
}

// sentence is n words of the vocabulary.
func (g *generator) sentence(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.pick(words)
	}
	return strings.Join(ws, " ")
}

// messages: a fifth in Adele's inbox, the rest across the mailboxes.
func (g *generator) messages(ctx context.Context) error {
	adele, _, adeleAddr := userID("adele"), "", "adele@"+TenantDomain
	mine := max(1, g.g.Messages/5)
	conv, convs := "", 0
	for i := range g.g.Messages {
		owner, addr := adele, adeleAddr
		folder := model.FolderID(adele, "inbox")
		if i >= mine {
			mb := g.mailboxes[g.r.IntN(len(g.mailboxes))]
			owner, addr = mb[0], mb[2]
			folder = model.FolderID(owner, []string{"inbox", "inbox", "inbox", "archive", "sentitems"}[g.r.IntN(5)])
		}
		from := g.mailboxes[g.r.IntN(len(g.mailboxes))]
		subject := strings.ToUpper(g.pick(words)[:1]) + g.sentence(3)[1:] + " #" + strconv.Itoa(g.r.IntN(50_000))
		if i%997 == 0 {
			subject = g.g.Subject
		}
		body := "Hello, " + g.sentence(25) + "."
		if i%100_000 == 7 || (i == 0 && g.g.Messages < 8) {
			body += " A " + RareWord + " was seen."
		}
		// Threads: a message starts a new conversation or, one in three,
		// continues the previous one.
		if conv == "" || g.r.IntN(3) != 0 {
			convs++
			conv = fmt.Sprintf("AAQkAGgen%010d", convs)
		}
		var cats []string
		if g.r.IntN(10) == 0 {
			cats = []string{g.pick(categories)}
		}
		received := g.o.Now.Add(-time.Duration(g.r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
		g.sd.Message(owner, model.SeedMessage{Folder: folder, FromName: from[1], FromAddr: from[2], To: []string{addr}, Subject: subject,
			Body: body, Received: received, IsRead: g.r.IntN(2) == 0, Categories: cats, ConversationID: conv})
		g.p.Messages++
		if err := g.flush(ctx, false); err != nil {
			return err
		}
	}
	return g.flush(ctx, true)
}

// events: a tenth in Adele's calendar, one in ten of all a weekly series,
// spread over the two years around Now, in working hours.
func (g *generator) events(ctx context.Context) error {
	adele, adeleName, adeleAddr := userID("adele"), "Adele Vance", "adele@"+TenantDomain
	mine := max(1, g.g.Events/10)
	day := g.o.Now.Truncate(24 * time.Hour)
	for i := range g.g.Events {
		owner, name, addr := adele, adeleName, adeleAddr
		if i >= mine {
			mb := g.mailboxes[g.r.IntN(len(g.mailboxes))]
			owner, name, addr = mb[0], mb[1], mb[2]
		}
		start := day.Add(time.Duration(g.r.IntN(730)-365)*24*time.Hour + time.Duration(8+g.r.IntN(9))*time.Hour + time.Duration(g.r.IntN(4))*15*time.Minute)
		e := model.SeedEvent{Subject: strings.ToUpper(g.pick(words)[:1]) + g.sentence(2)[1:], Body: g.sentence(10), Location: "Room " + strconv.Itoa(1+g.r.IntN(40)),
			Start: start, Duration: time.Duration(1+g.r.IntN(4)) * 30 * time.Minute}
		if g.r.IntN(10) == 0 {
			e.Weekly = 4 + g.r.IntN(49)
		}
		g.sd.Event(owner, name, addr, e)
		g.p.Events++
		if err := g.flush(ctx, false); err != nil {
			return err
		}
	}
	return g.flush(ctx, true)
}

// tasks: a tenth in Adele's default list, 60% completed.
func (g *generator) tasks(ctx context.Context) error {
	adele := userID("adele")
	mine := max(1, g.g.Tasks/10)
	for i := range g.g.Tasks {
		owner := adele
		if i >= mine {
			owner = g.mailboxes[g.r.IntN(len(g.mailboxes))][0]
		}
		status := []string{"completed", "completed", "completed", "notStarted", "inProgress"}[g.r.IntN(5)]
		var due *time.Time
		if g.r.IntN(2) == 0 {
			d := g.o.Now.Truncate(24*time.Hour).AddDate(0, 0, g.r.IntN(120)-60)
			due = &d
		}
		g.sd.Task(owner, model.TodoListID(owner), strings.ToUpper(g.pick(words)[:1])+g.sentence(3)[1:], status, due)
		g.p.Tasks++
		if err := g.flush(ctx, false); err != nil {
			return err
		}
	}
	return g.flush(ctx, true)
}

var (
	givenNames = []string{"Aaron", "Abigail", "Adam", "Alex", "Alice", "Amelia", "Andrew", "Anna", "Ben", "Bella", "Carl", "Chloe", "Daniel",
		"Diana", "Ethan", "Emma", "Felix", "Fiona", "George", "Grace", "Henry", "Hannah", "Isaac", "Isla", "Jack", "Julia", "Kevin", "Kate",
		"Liam", "Laura", "Mason", "Mia", "Noah", "Nora", "Oscar", "Olivia", "Paul", "Petra", "Quentin", "Quinn", "Ryan", "Rose", "Samuel",
		"Sofia", "Thomas", "Tara", "Umar", "Uma", "Victor", "Vera", "William", "Wendy", "Xavier", "Xenia", "Yusuf", "Yara", "Zach", "Zoe"}
	surnames = []string{"Anderson", "Baker", "Bowen", "Carter", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kim",
		"Larsen", "Martin", "Nguyen", "Okafor", "Patel", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Vance", "Weber", "Xu", "Young", "Zhang"}
	jobs        = []string{"Engineer", "Analyst", "Manager", "Designer", "Consultant", "Accountant", "Sales Representative", "Support Specialist"}
	departments = []string{"Engineering", "Finance", "Marketing", "Sales", "Support", "Operations", "Legal", "Retail"}
	categories  = []string{"Red category", "Blue category", "Green category", "Yellow category"}
	words       = []string{"budget", "forecast", "launch", "review", "meeting", "invoice", "contract", "schedule", "design", "report",
		"customer", "partner", "release", "roadmap", "planning", "quarter", "update", "summary", "feedback", "proposal", "training",
		"onboarding", "security", "audit", "migration", "deadline", "approval", "agenda", "workshop", "campaign", "analysis", "strategy",
		"hiring", "travel", "expenses", "inventory", "shipment", "order", "pricing", "renewal", "support", "ticket", "incident", "outage",
		"backlog", "sprint", "demo", "prototype", "research", "survey", "newsletter", "webinar", "conference", "offsite", "lunch",
		"coffee", "weekly", "monthly", "annual", "status", "draft", "final", "urgent", "reminder", "question", "answer", "notes",
		"slides", "document", "spreadsheet", "dashboard", "metrics", "goals", "targets", "results", "revenue", "costs", "savings",
		"vendor", "supplier", "warehouse", "logistics", "compliance", "policy", "benefits", "payroll", "holiday", "office", "network",
		"laptop", "license", "account", "password", "access", "permissions", "project", "falcon", "contoso", "fabrikam", "northwind"}
)

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rocketstore/rocketstore/admin"
)

// rocketstore admin speaks mqadmin's vocabulary: the same command names and
// the same one-letter flags (-n name server, -t topic, -g group, -b broker
// address, -c cluster ...), each also accepted under mqadmin's long name.
// Every command prints a table for people, or JSON with -o json. mqadmin
// gives -o other meanings in updateTopic (order), updateSubGroup
// (consumeMessageOrderly) and resetOffsetByTime (offset); there only the
// long names (-order, -consumeMessageOrderly, -offset) take those.

// adminCommand is one subcommand of rocketstore admin.
type adminCommand struct {
	name, summary string
	run           func(e *adminEnv, args []string) error
}

// adminCommands lists the subcommands in the order usage prints them.
var adminCommands = []adminCommand{
	{"clusterList", "list clusters and their brokers with throughput and disk use", runClusterList},
	{"brokerStatus", "print a broker's runtime statistics", runBrokerStatus},
	{"getBrokerConfig", "print the configuration of a broker or of a cluster's brokers", runGetBrokerConfig},
	{"updateBrokerConfig", "change a configuration key on a broker or a cluster's brokers", runUpdateBrokerConfig},
	{"wipeWritePerm", "take write permission from a broker on every name server (drain it)", runWipeWritePerm},
	{"addWritePerm", "give write permission back to a broker on every name server", runAddWritePerm},
	{"topicList", "list the topics the name server knows", runTopicList},
	{"topicRoute", "print a topic's route: brokers and queues", runTopicRoute},
	{"topicStatus", "print a topic's min and max offsets per queue", runTopicStatus},
	{"updateTopic", "create or update a topic on a broker or a cluster", runUpdateTopic},
	{"deleteTopic", "delete a topic from a cluster's brokers and the name servers", runDeleteTopic},
	{"updateSubGroup", "create or update a consumer group on a broker or a cluster", runUpdateSubGroup},
	{"deleteSubGroup", "delete a consumer group from a broker or a cluster", runDeleteSubGroup},
	{"consumerProgress", "print a group's progress and lag per queue (all groups without -g)", runConsumerProgress},
	{"consumerConnection", "print a consumer group's connections and subscriptions", runConsumerConnection},
	{"producerConnection", "print a producer group's connections", runProducerConnection},
	{"resetOffsetByTime", "move a group's offsets on a topic to a time", runResetOffsetByTime},
	{"skipAccumulatedMessage", "move a group's offsets on a topic to the end (skip the backlog)", runSkipAccumulated},
	{"queryMsgById", "print a message by its id (offset id, or unique id with -t)", runQueryMsgByID},
	{"queryMsgByKey", "list a topic's messages with a key", runQueryMsgByKey},
	{"queryMsgTraceById", "print a message's trace (send, consumption)", runQueryMsgTraceByID},
	{"printMsg", "print every message of a topic", runPrintMsg},
}

// runAdmin runs `rocketstore admin <command> [flags]` and returns the exit
// status: 0 done, 1 failed, 2 bad usage.
func runAdmin(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		adminUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, cmd := range adminCommands {
		if cmd.name != args[0] {
			continue
		}
		e := newAdminEnv(cmd, stdout, stderr)
		defer e.close()
		err := cmd.run(e, args[1:])
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "rocketstore admin %s: %v\n", cmd.name, err)
			e.fs.Usage()
			return 2
		default:
			fmt.Fprintf(stderr, "rocketstore admin %s: %v\n", cmd.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "rocketstore admin: unknown command %q\n", args[0])
	adminUsage(stderr)
	return 2
}

func adminUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: rocketstore admin <command> [-n namesrv] [-o table|json] [flags]\n\ncommands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range adminCommands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun \"rocketstore admin <command> -h\" for its flags. The name server address comes from -n or NAMESRV_ADDR.")
}

// usageError is a command line that cannot run: exit status 2 and the
// command's flags.
type usageError string

func (e usageError) Error() string { return string(e) }

// adminEnv is what every command shares: its flags, the output format and
// the admin client.
type adminEnv struct {
	cmd    adminCommand
	out    io.Writer
	errOut io.Writer
	fs     *flag.FlagSet

	namesrv              string
	format               string
	timeout              time.Duration
	accessKey, secretKey string

	client *admin.Client
	ctx    context.Context
	cancel context.CancelFunc
}

func newAdminEnv(cmd adminCommand, stdout, stderr io.Writer) *adminEnv {
	e := &adminEnv{cmd: cmd, out: stdout, errOut: stderr}
	e.fs = flag.NewFlagSet("rocketstore admin "+cmd.name, flag.ContinueOnError)
	e.fs.SetOutput(stderr)
	e.fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rocketstore admin %s [flags]\n%s\n\nflags:\n", cmd.name, cmd.summary)
		e.fs.PrintDefaults()
	}
	e.str(&e.namesrv, "n", "namesrvAddr", os.Getenv("NAMESRV_ADDR"), "name server addresses, ';'-separated (default $NAMESRV_ADDR)")
	e.str(&e.format, "o", "output", "table", "output format: table or json")
	e.fs.DurationVar(&e.timeout, "timeout", 30*time.Second, "give up after this long")
	e.fs.StringVar(&e.accessKey, "accessKey", os.Getenv("ROCKETMQ_ACCESS_KEY"), "ACL access key (default $ROCKETMQ_ACCESS_KEY)")
	e.fs.StringVar(&e.secretKey, "secretKey", os.Getenv("ROCKETMQ_SECRET_KEY"), "ACL secret key (default $ROCKETMQ_SECRET_KEY)")
	return e
}

// str declares a string flag under mqadmin's short and long names.
func (e *adminEnv) str(p *string, short, long, value, usage string) {
	e.fs.StringVar(p, short, value, usage)
	if long != "" {
		e.fs.StringVar(p, long, value, "same as -"+short)
	}
}

// parse reads the command line and connects the client. required names the
// short flags that must be set.
func (e *adminEnv) parse(args []string, required ...string) error {
	if err := e.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(err.Error())
	}
	if e.fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", e.fs.Arg(0)))
	}
	if e.format != "table" && e.format != "json" {
		return usageError(fmt.Sprintf("-o is the output format, table or json, not %q (mqadmin's other -o flags are -order, -consumeMessageOrderly and -offset here)", e.format))
	}
	for _, name := range required {
		if f := e.fs.Lookup(name); f == nil || f.Value.String() == "" {
			return usageError("-" + name + " is required")
		}
	}
	e.client = admin.New(&admin.Options{
		NameServers: []string{e.namesrv}, AccessKey: e.accessKey, SecretKey: e.secretKey,
		Logger: quietLogger(e.errOut),
	})
	e.ctx, e.cancel = context.WithTimeout(context.Background(), e.timeout)
	return nil
}

func (e *adminEnv) close() {
	if e.cancel != nil {
		e.cancel()
	}
	if e.client != nil {
		e.client.Close()
	}
}

// emit prints v as JSON with -o json, else calls table to print rows.
func (e *adminEnv) emit(v any, table func(t *tableWriter)) error {
	if e.format == "json" {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	t := &tableWriter{w: tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)}
	table(t)
	return t.w.Flush()
}

// tableWriter prints aligned columns.
type tableWriter struct{ w *tabwriter.Writer }

// row prints one line of cells.
func (t *tableWriter) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(t.w, "\t")
		}
		fmt.Fprint(t.w, c)
	}
	fmt.Fprintln(t.w)
}

// line prints text outside the columns (a blank line, a total).
func (t *tableWriter) line(format string, args ...any) {
	t.w.Flush()
	fmt.Fprintf(t.w, format+"\n", args...)
}

// parseBoolFlag reads an mqadmin boolean flag value ("true"/"false"), def
// when unset.
func parseBoolFlag(name, v string, def bool) (bool, error) {
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, usageError(fmt.Sprintf("-%s %q: want true or false", name, v))
	}
	return b, nil
}

// parseIntFlag reads an integer flag value, def when unset.
func parseIntFlag(name, v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, usageError(fmt.Sprintf("-%s %q: want an integer", name, v))
	}
	return n, nil
}

// parseTimestamp reads mqadmin's timestamp forms: "now", milliseconds since
// the epoch, or local time as yyyy-MM-dd#HH:mm:ss:SSS.
func parseTimestamp(v string, now time.Time) (int64, error) {
	if v == "now" {
		return now.UnixMilli(), nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return ms, nil
	}
	// Go reads fractional seconds only after '.' or ','; mqadmin's form
	// puts a ':' before the milliseconds.
	text := v
	if len(v) == len("2006-01-02#15:04:05:000") && v[19] == ':' {
		text = v[:19] + "." + v[20:]
	}
	t, err := time.ParseInLocation("2006-01-02#15:04:05.000", text, time.Local)
	if err != nil {
		return 0, usageError(fmt.Sprintf("timestamp %q: want now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS", v))
	}
	return t.UnixMilli(), nil
}

// formatMillis prints a time in ms as mqadmin does, "N/A" for zero.
func formatMillis(ms int64) string {
	if ms <= 0 {
		return "N/A"
	}
	return time.UnixMilli(ms).Format("2006-01-02 15:04:05")
}

// brokerTargets resolves mqadmin's -b / -c pair: one broker address, or
// the masters of a cluster (with slaves too when withSlaves).
func (e *adminEnv) brokerTargets(addr, cluster string, withSlaves bool) ([]admin.BrokerRef, error) {
	switch {
	case addr != "":
		return []admin.BrokerRef{{Addr: addr}}, nil
	case cluster != "":
		if withSlaves {
			return e.client.Brokers(e.ctx, cluster)
		}
		return e.client.Masters(e.ctx, cluster)
	}
	return nil, usageError("-b broker address or -c cluster name is required")
}

// joinErrors returns a summary error of a partial failure, or nil.
func joinErrors(what string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return fmt.Errorf("%d %s failed: %s", len(errs), what, strings.Join(msgs, "; "))
}

package controller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// raftNode is the raft library and the stores it owns.
type raftNode struct {
	r     *raft.Raft
	trans *raft.NetworkTransport
	store *raftboltdb.BoltStore
}

// openRaft opens (or creates) the raft log, stable store and snapshots in
// dir and starts raft. A fresh node bootstraps the configured peers: every
// peer may do so with the same configuration, and raft ignores it once a
// node has state.
func openRaft(o *Options, f *fsm, notify chan bool) (*raftNode, error) {
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("controller: data dir: %w", err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Info, Output: &slogWriter{log: o.Logger}})
	self, _ := o.self()
	ln := o.RaftListener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", self.RaftAddr); err != nil {
			return nil, fmt.Errorf("controller: raft listen %s: %w", self.RaftAddr, err)
		}
	}
	trans := raft.NewNetworkTransportWithLogger(&streamLayer{Listener: ln, advertise: self.RaftAddr}, 3, 5*time.Second, logger)
	store, err := raftboltdb.NewBoltStore(filepath.Join(o.DataDir, "raft.db"))
	if err != nil {
		trans.Close()
		return nil, fmt.Errorf("controller: raft store: %w", err)
	}
	node := &raftNode{trans: trans, store: store}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(o.DataDir, 2, logger)
	if err != nil {
		node.closeStores()
		return nil, fmt.Errorf("controller: snapshot store: %w", err)
	}
	conf := raftConfig(o, logger, notify)
	existing, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		node.closeStores()
		return nil, fmt.Errorf("controller: read raft state: %w", err)
	}
	if !existing {
		var servers []raft.Server
		for _, p := range o.Peers {
			servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.RaftAddr)})
		}
		if err := raft.BootstrapCluster(conf, store, store, snaps, trans, raft.Configuration{Servers: servers}); err != nil {
			node.closeStores()
			return nil, fmt.Errorf("controller: bootstrap raft: %w", err)
		}
	}
	node.r, err = raft.NewRaft(conf, f, store, store, snaps, trans)
	if err != nil {
		node.closeStores()
		return nil, fmt.Errorf("controller: start raft: %w", err)
	}
	return node, nil
}

func raftConfig(o *Options, logger hclog.Logger, notify chan bool) *raft.Config {
	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(o.ID)
	conf.Logger = logger
	conf.NotifyCh = notify
	conf.SnapshotThreshold = o.SnapshotThreshold
	t := o.Raft
	conf.HeartbeatTimeout = orDuration(t.HeartbeatTimeout, conf.HeartbeatTimeout)
	conf.ElectionTimeout = orDuration(t.ElectionTimeout, conf.ElectionTimeout)
	conf.LeaderLeaseTimeout = orDuration(t.LeaderLeaseTimeout, conf.LeaderLeaseTimeout)
	conf.CommitTimeout = orDuration(t.CommitTimeout, conf.CommitTimeout)
	conf.LeaderLeaseTimeout = min(conf.LeaderLeaseTimeout, conf.HeartbeatTimeout)
	return conf
}

// close stops raft, then its transport and stores.
func (n *raftNode) close() error {
	err := n.r.Shutdown().Error()
	return errors.Join(err, n.closeStores())
}

func (n *raftNode) closeStores() error {
	return errors.Join(n.trans.Close(), n.store.Close())
}

// streamLayer is raft's transport over a listener we were given (so tests
// can bind port 0 before the peers' addresses are known).
type streamLayer struct {
	net.Listener
	advertise string
}

func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", string(addr), timeout)
}

func (s *streamLayer) Addr() net.Addr {
	if a, err := net.ResolveTCPAddr("tcp", s.advertise); err == nil && a.Port != 0 {
		return a
	}
	return s.Listener.Addr()
}

// slogWriter carries the raft library's log lines ("... [WARN]  raft: ...")
// into slog at their level; its debug and trace lines are dropped.
type slogWriter struct{ log *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	line := string(bytes.TrimSpace(p))
	level := slog.LevelInfo
	switch {
	case bytes.Contains(p, []byte("[ERROR]")):
		level = slog.LevelError
	case bytes.Contains(p, []byte("[WARN]")):
		level = slog.LevelWarn
	case bytes.Contains(p, []byte("[DEBUG]")), bytes.Contains(p, []byte("[TRACE]")):
		return len(p), nil
	}
	w.log.Log(context.Background(), level, "raft", "line", line)
	return len(p), nil
}

var _ io.Writer = (*slogWriter)(nil)

package caddymodule

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentry/consentry/sdk"
)

// The module's Prometheus metrics. They live for the process, like Caddy's
// own HTTP metrics, and are registered into each config's registry, so
// counts survive config reloads.
var metrics = struct {
	decisions   *prometheus.CounterVec
	categories  *prometheus.CounterVec
	pages       prometheus.Counter
	neutralised *prometheus.CounterVec
	dropped     *prometheus.CounterVec
	limited     *prometheus.CounterVec
	collapsed   prometheus.Counter
	domainMiss  prometheus.Counter
	logs        prometheus.Collector
}{
	decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentry", Name: "decisions_total",
		Help: "Consent decisions recorded, by action (accept_all, reject_all, custom) and regime.",
	}, []string{"action", "regime"}),
	categories: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentry", Name: "decision_categories_total",
		Help: "Categories in consent decisions, by category, regime and whether granted.",
	}, []string{"category", "regime", "granted"}),
	pages: prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "consentry", Name: "pages_rewritten_total",
		Help: "HTML pages rewritten (banner injected, refused tags held back).",
	}),
	neutralised: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentry", Name: "tags_neutralised_total",
		Help: "Tags held back in rewritten pages, by category.",
	}, []string{"category"}),
	dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentry", Name: "cookies_dropped_total",
		Help: "Cookies of refused categories removed, by category and where (request: not forwarded upstream; response: Set-Cookie dropped).",
	}, []string{"category", "where"}),
	limited: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentry", Name: "decisions_rate_limited_total",
		Help: "Consent decisions refused with 429 and not recorded, by the limit they hit (client: the client's /24 or /64; id: the consent id).",
	}, []string{"limit"}),
	collapsed: prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "consentry", Name: "decisions_collapsed_total",
		Help: "Consent decisions answered but not recorded again: the same consent id made the same choice within 10 seconds.",
	}),
	domainMiss: prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "consentry", Name: "cookie_domain_mismatches_total",
		Help: "Requests for a host that cookie_domain does not cover: their browsers refuse the consent cookie, so every choice there asks again.",
	}),
	logs: logCollector{},
}

// registerMetrics adds the module's metrics to a config's registry; a
// second consent handler in the same config finds them there already.
func registerMetrics(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{metrics.decisions, metrics.categories, metrics.pages,
		metrics.neutralised, metrics.dropped, metrics.limited, metrics.collapsed, metrics.domainMiss, metrics.logs} {
		if err := reg.Register(c); err != nil {
			if are := (prometheus.AlreadyRegisteredError{}); !errors.As(err, &are) {
				return err
			}
		}
	}
	return nil
}

// observer feeds the engine's events into the metrics.
type observer struct{}

func (observer) Decision(method sdk.Method, regime sdk.Regime, granted, refused []string) {
	metrics.decisions.WithLabelValues(string(method), string(regime)).Inc()
	for _, c := range granted {
		metrics.categories.WithLabelValues(c, string(regime), "true").Inc()
	}
	for _, c := range refused {
		metrics.categories.WithLabelValues(c, string(regime), "false").Inc()
	}
}

func (observer) PageRewritten(neutralised map[string]int) {
	metrics.pages.Inc()
	for c, n := range neutralised {
		metrics.neutralised.WithLabelValues(c).Add(float64(n))
	}
}

func (observer) CookiesDropped(category, where string, n int) {
	metrics.dropped.WithLabelValues(category, where).Add(float64(n))
}

func (observer) DecisionRateLimited(limit string) {
	metrics.limited.WithLabelValues(limit).Inc()
}

func (observer) DecisionCollapsed() { metrics.collapsed.Inc() }

func (observer) CookieDomainMismatch() { metrics.domainMiss.Inc() }

// Interface guard
var (
	_ sdk.LimitObserver        = observer{}
	_ sdk.CookieDomainObserver = observer{}
)

// logCollector reports the state of every open consent log, labelled by
// store (the SQLite path, or the PostgreSQL host and database).
type logCollector struct{}

var (
	logQueueDesc = prometheus.NewDesc("consentry_log_queue_depth",
		"Decisions waiting in memory for the consent log's store.", []string{"log"}, nil)
	logQueueCapDesc = prometheus.NewDesc("consentry_log_queue_capacity",
		"The most decisions that can wait in memory before going to the spool.", []string{"log"}, nil)
	logSpoolBytesDesc = prometheus.NewDesc("consentry_log_spool_bytes",
		"Bytes in the consent log's spool, waiting for the store.", []string{"log"}, nil)
	logSpoolRecordsDesc = prometheus.NewDesc("consentry_log_spool_records",
		"Decisions in the consent log's spool, waiting for the store.", []string{"log"}, nil)
	logRecordsDesc = prometheus.NewDesc("consentry_log_records_total",
		"Consent-log records by outcome: written (to the store directly), replayed (from the spool), spooled, overflowed (spooled because the queue was full), purged (past retention), damaged (unreadable spool lines), rejected (refused by a store that answers; kept in rejected-* files).",
		[]string{"log", "outcome"}, nil)
	logFailuresDesc = prometheus.NewDesc("consentry_log_failures_total",
		"Failed consent-log store writes and purges.", []string{"log"}, nil)
	logUpDesc = prometheus.NewDesc("consentry_log_store_up",
		"1 while the consent log's store takes writes, 0 from a failed write until one succeeds.", []string{"log"}, nil)
)

func (logCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{logQueueDesc, logQueueCapDesc, logSpoolBytesDesc, logSpoolRecordsDesc,
		logRecordsDesc, logFailuresDesc, logUpDesc} {
		ch <- d
	}
}

func (logCollector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	logs.Range(func(_, v any) bool {
		p := v.(*pooledLog)
		if seen[p.label] {
			return true // a reload's old and new log on one store: report one
		}
		seen[p.label] = true
		s := p.Stats()
		gauge := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{p.label}, labels...)...)
		}
		counter := func(d *prometheus.Desc, v int64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append([]string{p.label}, labels...)...)
		}
		gauge(logQueueDesc, float64(s.Queued))
		gauge(logQueueCapDesc, float64(s.QueueCapacity))
		gauge(logSpoolBytesDesc, float64(s.SpoolBytes))
		gauge(logSpoolRecordsDesc, float64(s.SpoolRecords))
		for outcome, n := range map[string]int64{"written": s.Written, "replayed": s.Replayed, "spooled": s.Spooled,
			"overflowed": s.Overflowed, "purged": s.Purged, "damaged": s.Damaged, "rejected": s.Rejected} {
			counter(logRecordsDesc, n, outcome)
		}
		counter(logFailuresDesc, s.Failures)
		gauge(logUpDesc, float64(boolInt(!s.StoreDown)))
		return true
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

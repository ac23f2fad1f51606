//! Alerts: channels, the event outbox and deliveries (see `store::alert_store`).

use chrono::{DateTime, NaiveTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{backend, bad_column, parse_opt_ts, parse_ts, ts, with_audit};
use crate::store::{
    AlertChannel, AlertDelivery, AlertDraft, AlertKind, AlertTally, AlertUnit, AttemptOutcome,
    AuditDraft, ChainGap, ChannelKind, DeliveryState, Scope, StoreError, StoreResult, events_text,
    parse_events,
};

const CHANNEL_COLUMNS: &str = "ch.id, ch.unit_id, ch.kind, ch.label, ch.url_sealed,
    ch.secret_sealed, ch.events, ch.digest_at, ch.created_at, ch.created_by, o.path";

const DELIVERY_COLUMNS: &str = "e.id, e.key, d.channel_id, e.kind, e.unit_id, u.path, e.subject,
    e.level, e.due_at, e.counts, e.raised_at, d.state, d.attempts, d.next_at, d.last_error,
    d.sent_at";

const DELIVERY_FROM: &str = "alert_deliveries d JOIN alert_events e ON e.id = d.event_id
    JOIN org_units u ON u.id = e.unit_id";

fn channel_row(r: &Row<'_>) -> rusqlite::Result<AlertChannel> {
    Ok(AlertChannel {
        id: r.get(0)?,
        unit_id: r.get(1)?,
        kind: ChannelKind::parse(&r.get::<_, String>(2)?).ok_or_else(|| bad_column("kind"))?,
        label: r.get(3)?,
        url_sealed: r.get(4)?,
        secret_sealed: r.get(5)?,
        events: parse_events(&r.get::<_, String>(6)?).ok_or_else(|| bad_column("events"))?,
        digest_at: NaiveTime::parse_from_str(&r.get::<_, String>(7)?, "%H:%M")
            .map_err(|_| bad_column("digest_at"))?,
        created_at: parse_ts(&r.get::<_, String>(8)?)?,
        created_by: r.get(9)?,
        unit_path: r.get(10)?,
    })
}

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<AlertDelivery> {
    Ok(AlertDelivery {
        event_id: r.get(0)?,
        key: r.get(1)?,
        channel_id: r.get(2)?,
        kind: AlertKind::parse(&r.get::<_, String>(3)?).ok_or_else(|| bad_column("kind"))?,
        unit_id: r.get(4)?,
        unit_path: r.get(5)?,
        subject: r.get(6)?,
        level: r.get(7)?,
        due_at: parse_opt_ts(r.get(8)?)?,
        counts: r.get(9)?,
        raised_at: parse_ts(&r.get::<_, String>(10)?)?,
        state: DeliveryState::parse(&r.get::<_, String>(11)?).ok_or_else(|| bad_column("state"))?,
        attempts: r.get(12)?,
        next_at: parse_ts(&r.get::<_, String>(13)?)?,
        last_error: r.get(14)?,
        sent_at: parse_opt_ts(r.get(15)?)?,
    })
}

pub(super) fn add_channel(c: &Connection, ch: &AlertChannel) -> StoreResult<()> {
    let n = c
        .execute(
            "INSERT INTO alert_channels (id, unit_id, kind, label, url_sealed, secret_sealed,
                 events, digest_at, created_at, created_by)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE EXISTS
                 (SELECT 1 FROM org_units WHERE id = ?2)
             ON CONFLICT (id) DO NOTHING",
            params![
                ch.id,
                ch.unit_id,
                ch.kind.as_str(),
                ch.label,
                ch.url_sealed,
                ch.secret_sealed,
                events_text(&ch.events),
                ch.digest_at.format("%H:%M").to_string(),
                ts(ch.created_at),
                ch.created_by,
            ],
        )
        .map_err(backend)?;
    if n == 0 {
        let unit: bool = c
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM org_units WHERE id = ?1)",
                [&ch.unit_id],
                |r| r.get(0),
            )
            .map_err(backend)?;
        return Err(if unit {
            StoreError::Conflict("alert channel")
        } else {
            StoreError::NotFound("unit")
        });
    }
    Ok(())
}

pub(super) fn remove_channel(tx: &Connection, id: &str, scope: &Scope) -> StoreResult<bool> {
    let n = tx
        .execute(
            "DELETE FROM alert_channels WHERE id = ?1 AND unit_id IN
                 (SELECT o.id FROM org_units o WHERE substr(o.path, 1, length(?2)) = ?2)",
            params![id, scope.path],
        )
        .map_err(backend)?;
    if n > 0 {
        // What was sent stays as history; what was still to send goes with the channel.
        tx.execute(
            "DELETE FROM alert_deliveries WHERE channel_id = ?1 AND state = 'pending'",
            [id],
        )
        .map_err(backend)?;
    }
    Ok(n > 0)
}

pub(super) fn channels(
    c: &Connection,
    scope: &Scope,
    inherited: bool,
) -> StoreResult<Vec<AlertChannel>> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {CHANNEL_COLUMNS} FROM alert_channels ch JOIN org_units o ON o.id = ch.unit_id
             WHERE substr(o.path, 1, length(?1)) = ?1
                OR (?2 AND substr(?1, 1, length(o.path)) = o.path)
             ORDER BY o.path, ch.created_at, ch.id"
        ))
        .map_err(backend)?;
    st.query_map(params![scope.path, inherited], channel_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
}

/// Raises an event inside the caller's transaction; `false` when its key was raised before or its
/// unit cannot be resolved.
pub(super) fn raise_in(tx: &Connection, d: &AlertDraft) -> StoreResult<bool> {
    let (from, unit) = match &d.unit {
        AlertUnit::Unit(id) => ("org_units WHERE id = ?3", id),
        AlertUnit::VillageOf(h) => ("households WHERE id = ?3", h),
        AlertUnit::PlacementOf(s) => ("staff WHERE id = ?3", s),
    };
    let column = match &d.unit {
        AlertUnit::Unit(_) => "id",
        AlertUnit::VillageOf(_) => "village_id",
        AlertUnit::PlacementOf(_) => "scope_unit_id",
    };
    let n = tx
        .prepare_cached(&format!(
            "INSERT INTO alert_events (key, kind, unit_id, subject, level, due_at, counts,
                 channel_id, raised_at)
             SELECT ?1, ?2, {column}, ?4, ?5, ?6, ?7, ?8, ?9 FROM {from}
             ON CONFLICT (key) DO NOTHING"
        ))
        .and_then(|mut st| {
            st.execute(params![
                d.key,
                d.kind.as_str(),
                unit,
                d.subject,
                d.level,
                d.due_at.map(ts),
                d.counts,
                d.channel_id,
                ts(d.raised_at),
            ])
        })
        .map_err(backend)?;
    Ok(n > 0)
}

pub(super) fn raised(c: &Connection, key: &str) -> StoreResult<bool> {
    c.prepare_cached("SELECT 1 FROM alert_events WHERE key = ?1")
        .and_then(|mut st| st.query_row([key], |_| Ok(())).optional())
        .map(|found| found.is_some())
        .map_err(backend)
}

pub(super) fn fan_out(c: &mut Connection, now: DateTime<Utc>) -> StoreResult<u64> {
    let tx = c.transaction().map_err(backend)?;
    let last: Option<i64> = tx
        .query_row(
            "SELECT max(id) FROM alert_events WHERE fanned_out = 0",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let Some(last) = last else {
        return Ok(0);
    };
    let made = tx
        .execute(
            "INSERT INTO alert_deliveries (event_id, channel_id, state, next_at)
             SELECT e.id, ch.id, 'pending', ?2
             FROM alert_events e JOIN org_units u ON u.id = e.unit_id
             JOIN alert_channels ch ON ch.id = e.channel_id OR (e.channel_id IS NULL
                 AND instr(',' || ch.events || ',', ',' || e.kind || ',') > 0
                 AND ch.unit_id IN (SELECT a.id FROM org_units a
                     WHERE substr(u.path, 1, length(a.path)) = a.path))
             WHERE e.fanned_out = 0 AND e.id <= ?1
             ON CONFLICT (event_id, channel_id) DO NOTHING",
            params![last, ts(now)],
        )
        .map_err(backend)?;
    tx.execute(
        "UPDATE alert_events SET fanned_out = 1 WHERE fanned_out = 0 AND id <= ?1",
        [last],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(made as u64)
}

pub(super) fn lapse(c: &Connection, now: DateTime<Utc>) -> StoreResult<u64> {
    c.execute(
        "UPDATE alert_deliveries SET state = 'unconfirmed',
             last_error = 'the sender stopped while sending'
         WHERE state = 'sending' AND next_at < ?1",
        [ts(now)],
    )
    .map(|n| n as u64)
    .map_err(backend)
}

fn delivery(c: &Connection, event_id: i64, channel_id: &str) -> StoreResult<AlertDelivery> {
    c.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} WHERE d.event_id = ?1 AND d.channel_id = ?2"
    ))
    .and_then(|mut st| st.query_row(params![event_id, channel_id], delivery_row))
    .map_err(backend)
}

pub(super) fn claim(
    c: &mut Connection,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<AlertDelivery>> {
    let tx = c.transaction().map_err(backend)?;
    let keys = tx
        .prepare_cached(
            "UPDATE alert_deliveries SET state = 'sending', attempts = attempts + 1, next_at = ?2
             WHERE rowid IN (SELECT rowid FROM alert_deliveries
                 WHERE state = 'pending' AND next_at <= ?1 ORDER BY next_at LIMIT ?3)
             RETURNING event_id, channel_id",
        )
        .and_then(|mut st| {
            st.query_map(params![ts(now), ts(until), limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(backend)?;
    let mut out = keys
        .iter()
        .map(|(e, ch)| delivery(&tx, *e, ch))
        .collect::<StoreResult<Vec<_>>>()?;
    tx.commit().map_err(backend)?;
    out.sort_by_key(|d| d.event_id);
    Ok(out)
}

pub(super) fn record(c: &mut Connection, outcomes: &[AttemptOutcome]) -> StoreResult<()> {
    let tx = c.transaction().map_err(backend)?;
    for o in outcomes {
        // A record arriving after its claim lapsed still says what happened.
        let (state, next, error, sent) = match &o.result {
            Ok(at) => (DeliveryState::Sent, None, None, Some(ts(*at))),
            Err((why, Some(retry))) => (
                DeliveryState::Pending,
                Some(ts(*retry)),
                Some(why.as_str()),
                None,
            ),
            Err((why, None)) => (DeliveryState::Failed, None, Some(why.as_str()), None),
        };
        tx.prepare_cached(
            "UPDATE alert_deliveries SET state = ?3, next_at = coalesce(?4, next_at),
                 last_error = ?5, sent_at = ?6
             WHERE event_id = ?1 AND channel_id = ?2 AND state IN ('sending', 'unconfirmed')",
        )
        .and_then(|mut st| {
            st.execute(params![
                o.event_id,
                o.channel_id,
                state.as_str(),
                next,
                error,
                sent
            ])
        })
        .map_err(backend)?;
    }
    tx.commit().map_err(backend)
}

pub(super) fn resend(
    c: &Connection,
    event_id: i64,
    channel_id: &str,
    scope: &Scope,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = c
        .execute(
            "UPDATE alert_deliveries SET state = 'pending', next_at = ?4
             WHERE event_id = ?1 AND channel_id = ?2 AND state IN ('failed', 'unconfirmed')
               AND channel_id IN (SELECT ch.id FROM alert_channels ch
                   JOIN org_units o ON o.id = ch.unit_id
                   WHERE substr(o.path, 1, length(?3)) = ?3)",
            params![event_id, channel_id, scope.path, ts(now)],
        )
        .map_err(backend)?;
    Ok(n > 0)
}

pub(super) fn deliveries(
    c: &Connection,
    scope: &Scope,
    undeliverable: bool,
    limit: u32,
) -> StoreResult<Vec<AlertDelivery>> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM}
             JOIN alert_channels ch ON ch.id = d.channel_id
             JOIN org_units co ON co.id = ch.unit_id
             WHERE substr(co.path, 1, length(?1)) = ?1
               AND (NOT ?2 OR d.state IN ('failed', 'unconfirmed'))
             ORDER BY e.id DESC, d.channel_id LIMIT ?3"
        ))
        .map_err(backend)?;
    st.query_map(params![scope.path, undeliverable, limit], delivery_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
}

pub(super) fn tally(c: &Connection) -> StoreResult<AlertTally> {
    let mut st = c
        .prepare_cached("SELECT state, count(*) FROM alert_deliveries GROUP BY state")
        .map_err(backend)?;
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    let mut t = AlertTally::default();
    for (state, n) in rows {
        let state = DeliveryState::parse(&state)
            .ok_or_else(|| StoreError::Backend("unexpected alert delivery state".into()))?;
        t.add(state, u64::try_from(n).unwrap_or(0));
    }
    Ok(t)
}

pub(super) fn chain_gaps(c: &Connection, before: DateTime<Utc>) -> StoreResult<Vec<ChainGap>> {
    let mut st = c
        .prepare_cached(
            "SELECT visit_id, household_id, received_at FROM visits
             WHERE chain_status = 'gap' AND received_at < ?1 ORDER BY received_at",
        )
        .map_err(backend)?;
    st.query_map([ts(before)], |r| {
        Ok(ChainGap {
            visit_id: r.get(0)?,
            household_id: r.get(1)?,
            received_at: parse_ts(&r.get::<_, String>(2)?)?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

#[async_trait::async_trait]
impl crate::store::AlertStore for super::SqliteStore {
    async fn add_alert_channel(
        &self,
        channel: &AlertChannel,
        audit: &AuditDraft,
    ) -> StoreResult<()> {
        let (ch, audit) = (channel.clone(), audit.clone());
        self.call(move |c| with_audit(c, Some(&audit), |tx| add_channel(tx, &ch)))
            .await
    }

    async fn remove_alert_channel(
        &self,
        id: &str,
        scope: &Scope,
        audit: &AuditDraft,
    ) -> StoreResult<bool> {
        let (id, scope, audit) = (id.to_owned(), scope.clone(), audit.clone());
        self.call(move |c| {
            super::audited(c, |tx| {
                let removed = remove_channel(tx, &id, &scope)?;
                // Nothing removed, nothing to record.
                Ok((removed, removed.then_some(audit)))
            })
        })
        .await
    }

    async fn alert_channels(
        &self,
        scope: &Scope,
        inherited: bool,
    ) -> StoreResult<Vec<AlertChannel>> {
        let scope = scope.clone();
        self.read(move |c| channels(c, &scope, inherited)).await
    }

    async fn raise_alert(&self, draft: &AlertDraft) -> StoreResult<bool> {
        let d = draft.clone();
        self.call(move |c| raise_in(c, &d)).await
    }

    async fn alert_raised(&self, key: &str) -> StoreResult<bool> {
        let key = key.to_owned();
        self.read(move |c| raised(c, &key)).await
    }

    async fn fan_out_alerts(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.call(move |c| fan_out(c, now)).await
    }

    async fn lapse_alert_claims(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.call(move |c| lapse(c, now)).await
    }

    async fn claim_alerts(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<AlertDelivery>> {
        self.call(move |c| claim(c, now, until, limit)).await
    }

    async fn record_alert_attempts(&self, outcomes: &[AttemptOutcome]) -> StoreResult<()> {
        let outcomes = outcomes.to_vec();
        self.call(move |c| record(c, &outcomes)).await
    }

    async fn resend_alert(
        &self,
        event_id: i64,
        channel_id: &str,
        scope: &Scope,
        audit: &AuditDraft,
    ) -> StoreResult<bool> {
        let (channel_id, scope, audit) = (channel_id.to_owned(), scope.clone(), audit.clone());
        let now = Utc::now();
        self.call(move |c| {
            super::audited(c, |tx| {
                let queued = resend(tx, event_id, &channel_id, &scope, now)?;
                // Nothing queued again, nothing to record.
                Ok((queued, queued.then_some(audit)))
            })
        })
        .await
    }

    async fn alert_deliveries(
        &self,
        scope: &Scope,
        undeliverable: bool,
        limit: u32,
    ) -> StoreResult<Vec<AlertDelivery>> {
        let scope = scope.clone();
        self.read(move |c| deliveries(c, &scope, undeliverable, limit))
            .await
    }

    async fn alert_tally(&self) -> StoreResult<AlertTally> {
        self.read(tally).await
    }

    async fn chain_gaps(&self, before: DateTime<Utc>) -> StoreResult<Vec<ChainGap>> {
        self.read(move |c| chain_gaps(c, before)).await
    }
}

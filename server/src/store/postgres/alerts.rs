//! Alerts: channels, the event outbox and deliveries (see `store::alert_store`). Several server
//! processes may drain one outbox: fan-out and claims take rows with `FOR UPDATE SKIP LOCKED`, so
//! no two of them handle one event or delivery at once.

use chrono::{DateTime, NaiveTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::pipeline::{Param, Pipeline, params, refs};
use super::{backend, bad_column, col, execute, query, query_opt};
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

fn channel_row(r: &Row) -> StoreResult<AlertChannel> {
    let kind: String = col(r, 2)?;
    let events: String = col(r, 6)?;
    let digest_at: String = col(r, 7)?;
    Ok(AlertChannel {
        id: col(r, 0)?,
        unit_id: col(r, 1)?,
        kind: ChannelKind::parse(&kind).ok_or_else(|| bad_column("kind"))?,
        label: col(r, 3)?,
        url_sealed: col(r, 4)?,
        secret_sealed: col(r, 5)?,
        events: parse_events(&events).ok_or_else(|| bad_column("events"))?,
        digest_at: NaiveTime::parse_from_str(&digest_at, "%H:%M")
            .map_err(|_| bad_column("digest_at"))?,
        created_at: col(r, 8)?,
        created_by: col(r, 9)?,
        unit_path: col(r, 10)?,
    })
}

fn delivery_row(r: &Row) -> StoreResult<AlertDelivery> {
    let kind: String = col(r, 3)?;
    let state: String = col(r, 11)?;
    let attempts: i32 = col(r, 12)?;
    Ok(AlertDelivery {
        event_id: col(r, 0)?,
        key: col(r, 1)?,
        channel_id: col(r, 2)?,
        kind: AlertKind::parse(&kind).ok_or_else(|| bad_column("kind"))?,
        unit_id: col(r, 4)?,
        unit_path: col(r, 5)?,
        subject: col(r, 6)?,
        level: col(r, 7)?,
        due_at: col(r, 8)?,
        counts: col(r, 9)?,
        raised_at: col(r, 10)?,
        state: DeliveryState::parse(&state).ok_or_else(|| bad_column("state"))?,
        attempts: u32::try_from(attempts).map_err(|_| bad_column("attempts"))?,
        next_at: col(r, 13)?,
        last_error: col(r, 14)?,
        sent_at: col(r, 15)?,
    })
}

pub(super) async fn add_channel<C: GenericClient>(c: &C, ch: &AlertChannel) -> StoreResult<()> {
    let n = execute(
        c,
        "INSERT INTO alert_channels (id, unit_id, kind, label, url_sealed, secret_sealed, events,
             digest_at, created_at, created_by)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS
             (SELECT 1 FROM org_units WHERE id = $2)
         ON CONFLICT (id) DO NOTHING",
        &[
            &ch.id,
            &ch.unit_id,
            &ch.kind.as_str(),
            &ch.label,
            &ch.url_sealed,
            &ch.secret_sealed,
            &events_text(&ch.events),
            &ch.digest_at.format("%H:%M").to_string(),
            &super::micros(ch.created_at),
            &ch.created_by,
        ],
    )
    .await?;
    if n == 0 {
        let unit = query_opt(c, "SELECT 1 FROM org_units WHERE id = $1", &[&ch.unit_id])
            .await?
            .is_some();
        return Err(if unit {
            StoreError::Conflict("alert channel")
        } else {
            StoreError::NotFound("unit")
        });
    }
    Ok(())
}

pub(super) async fn remove_channel(
    tx: &deadpool_postgres::Transaction<'_>,
    id: &str,
    scope: &Scope,
) -> StoreResult<bool> {
    let n = execute(
        tx,
        "DELETE FROM alert_channels WHERE id = $1 AND unit_id IN
             (SELECT o.id FROM org_units o WHERE left(o.path, length($2)) = $2)",
        &[&id, &scope.path],
    )
    .await?;
    if n > 0 {
        // What was sent stays as history; what was still to send goes with the channel.
        execute(
            tx,
            "DELETE FROM alert_deliveries WHERE channel_id = $1 AND state = 'pending'",
            &[&id],
        )
        .await?;
    }
    Ok(n > 0)
}

pub(super) async fn channels<C: GenericClient>(
    c: &C,
    scope: &Scope,
    inherited: bool,
) -> StoreResult<Vec<AlertChannel>> {
    query(
        c,
        &format!(
            "SELECT {CHANNEL_COLUMNS} FROM alert_channels ch JOIN org_units o ON o.id = ch.unit_id
             WHERE left(o.path, length($1)) = $1
                OR ($2 AND left($1, length(o.path)) = o.path)
             ORDER BY o.path, ch.created_at, ch.id"
        ),
        &[&scope.path, &inherited],
    )
    .await?
    .iter()
    .map(channel_row)
    .collect()
}

/// Raises an event inside the caller's transaction; `false` when its key was raised before or its
/// unit cannot be resolved.
pub(super) async fn raise_in<C: GenericClient>(c: &C, d: &AlertDraft) -> StoreResult<bool> {
    Ok(execute(c, &raise_sql(d), &refs(&raise_params(d))).await? > 0)
}

/// Queues raising `d` into a transaction's pipeline (see [`raise_in`]).
pub(super) fn queue_raise(p: &mut Pipeline, d: &AlertDraft) {
    p.push(raise_sql(d), raise_params(d));
}

/// Inserts the event unless its key was raised before; the unit comes from the row `$3` names.
fn raise_sql(d: &AlertDraft) -> String {
    let (column, from) = match &d.unit {
        AlertUnit::Unit(_) => ("id", "org_units"),
        AlertUnit::VillageOf(_) => ("village_id", "households"),
        AlertUnit::PlacementOf(_) => ("scope_unit_id", "staff"),
    };
    format!(
        "INSERT INTO alert_events (key, kind, unit_id, subject, level, due_at, counts,
             channel_id, raised_at)
         SELECT $1, $2, {column}, $4, $5, $6, $7, $8, $9 FROM {from} WHERE id = $3
         ON CONFLICT (key) DO NOTHING"
    )
}

fn raise_params(d: &AlertDraft) -> Vec<Param> {
    let (AlertUnit::Unit(unit) | AlertUnit::VillageOf(unit) | AlertUnit::PlacementOf(unit)) =
        &d.unit;
    params![
        d.key.clone(),
        d.kind.as_str(),
        unit.clone(),
        d.subject.clone(),
        d.level.clone(),
        d.due_at.map(super::micros),
        d.counts.clone(),
        d.channel_id.clone(),
        super::micros(d.raised_at),
    ]
}

pub(super) async fn raised<C: GenericClient>(c: &C, key: &str) -> StoreResult<bool> {
    Ok(
        query_opt(c, "SELECT 1 FROM alert_events WHERE key = $1", &[&key])
            .await?
            .is_some(),
    )
}

pub(super) async fn fan_out<C: GenericClient>(c: &C, now: DateTime<Utc>) -> StoreResult<u64> {
    // One statement: the events it marks are exactly those it fans out, and events another
    // process holds are skipped, not waited for.
    execute(
        c,
        "WITH ev AS (
             UPDATE alert_events SET fanned_out = TRUE WHERE id IN (
                 SELECT id FROM alert_events WHERE NOT fanned_out ORDER BY id LIMIT 5000
                 FOR UPDATE SKIP LOCKED)
             RETURNING id, kind, unit_id, channel_id)
         INSERT INTO alert_deliveries (event_id, channel_id, state, next_at)
         SELECT ev.id, ch.id, 'pending', $1
         FROM ev JOIN org_units u ON u.id = ev.unit_id
         JOIN alert_channels ch ON ch.id = ev.channel_id OR (ev.channel_id IS NULL
             AND strpos(',' || ch.events || ',', ',' || ev.kind || ',') > 0
             AND ch.unit_id IN (SELECT a.id FROM org_units a
                 WHERE left(u.path, length(a.path)) = a.path))
         ON CONFLICT (event_id, channel_id) DO NOTHING",
        &[&super::micros(now)],
    )
    .await
}

pub(super) async fn lapse<C: GenericClient>(c: &C, now: DateTime<Utc>) -> StoreResult<u64> {
    execute(
        c,
        "UPDATE alert_deliveries SET state = 'unconfirmed',
             last_error = 'the sender stopped while sending'
         WHERE state = 'sending' AND next_at < $1",
        &[&now],
    )
    .await
}

pub(super) async fn claim<C: GenericClient>(
    c: &C,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<AlertDelivery>> {
    let limit = i64::from(limit);
    let mut out = query(
        c,
        &format!(
            "WITH claimed AS (
                 UPDATE alert_deliveries SET state = 'sending', attempts = attempts + 1,
                     next_at = $2
                 WHERE (event_id, channel_id) IN (SELECT event_id, channel_id
                     FROM alert_deliveries WHERE state = 'pending' AND next_at <= $1
                     ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                 RETURNING *)
             SELECT {DELIVERY_COLUMNS} FROM claimed d JOIN alert_events e ON e.id = d.event_id
             JOIN org_units u ON u.id = e.unit_id"
        ),
        &[&super::micros(now), &super::micros(until), &limit],
    )
    .await?
    .iter()
    .map(delivery_row)
    .collect::<StoreResult<Vec<_>>>()?;
    out.sort_by_key(|d| d.event_id);
    Ok(out)
}

pub(super) async fn record(
    c: &mut deadpool_postgres::Client,
    outcomes: &[AttemptOutcome],
) -> StoreResult<()> {
    let tx = c.transaction().await.map_err(backend)?;
    for o in outcomes {
        // A record arriving after its claim lapsed still says what happened.
        let (state, next, error, sent) = match &o.result {
            Ok(at) => (DeliveryState::Sent, None, None, Some(super::micros(*at))),
            Err((why, Some(retry))) => (
                DeliveryState::Pending,
                Some(super::micros(*retry)),
                Some(why.as_str()),
                None,
            ),
            Err((why, None)) => (DeliveryState::Failed, None, Some(why.as_str()), None),
        };
        execute(
            &tx,
            "UPDATE alert_deliveries SET state = $3, next_at = coalesce($4, next_at),
                 last_error = $5, sent_at = $6
             WHERE event_id = $1 AND channel_id = $2 AND state IN ('sending', 'unconfirmed')",
            &[
                &o.event_id,
                &o.channel_id,
                &state.as_str(),
                &next,
                &error,
                &sent,
            ],
        )
        .await?;
    }
    tx.commit().await.map_err(backend)
}

pub(super) async fn resend<C: GenericClient>(
    c: &C,
    event_id: i64,
    channel_id: &str,
    scope: &Scope,
) -> StoreResult<bool> {
    let n = execute(
        c,
        "UPDATE alert_deliveries SET state = 'pending', next_at = now()
         WHERE event_id = $1 AND channel_id = $2 AND state IN ('failed', 'unconfirmed')
           AND channel_id IN (SELECT ch.id FROM alert_channels ch
               JOIN org_units o ON o.id = ch.unit_id WHERE left(o.path, length($3)) = $3)",
        &[&event_id, &channel_id, &scope.path],
    )
    .await?;
    Ok(n > 0)
}

pub(super) async fn deliveries<C: GenericClient>(
    c: &C,
    scope: &Scope,
    undeliverable: bool,
    limit: u32,
) -> StoreResult<Vec<AlertDelivery>> {
    query(
        c,
        &format!(
            "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM}
             JOIN alert_channels ch ON ch.id = d.channel_id
             JOIN org_units co ON co.id = ch.unit_id
             WHERE left(co.path, length($1)) = $1
               AND (NOT $2 OR d.state IN ('failed', 'unconfirmed'))
             ORDER BY e.id DESC, d.channel_id LIMIT $3"
        ),
        &[&scope.path, &undeliverable, &i64::from(limit)],
    )
    .await?
    .iter()
    .map(delivery_row)
    .collect()
}

pub(super) async fn tally<C: GenericClient>(c: &C) -> StoreResult<AlertTally> {
    let mut t = AlertTally::default();
    for r in query(
        c,
        "SELECT state, count(*) FROM alert_deliveries GROUP BY state",
        &[],
    )
    .await?
    {
        let state: String = col(&r, 0)?;
        let n: i64 = col(&r, 1)?;
        let state = DeliveryState::parse(&state).ok_or_else(|| bad_column("state"))?;
        t.add(state, u64::try_from(n).unwrap_or(0));
    }
    Ok(t)
}

pub(super) async fn chain_gaps<C: GenericClient>(
    c: &C,
    before: DateTime<Utc>,
) -> StoreResult<Vec<ChainGap>> {
    query(
        c,
        "SELECT visit_id, household_id, received_at FROM visits
         WHERE chain_status = 'gap' AND received_at < $1 ORDER BY received_at",
        &[&before],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ChainGap {
            visit_id: col(r, 0)?,
            household_id: col(r, 1)?,
            received_at: col(r, 2)?,
        })
    })
    .collect()
}

#[async_trait::async_trait]
impl crate::store::AlertStore for super::PgStore {
    async fn add_alert_channel(
        &self,
        channel: &AlertChannel,
        audit: &AuditDraft,
    ) -> StoreResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(backend)?;
        add_channel(&tx, channel).await?;
        super::commit_audited(tx, Some(audit)).await
    }

    async fn remove_alert_channel(
        &self,
        id: &str,
        scope: &Scope,
        audit: &AuditDraft,
    ) -> StoreResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(backend)?;
        let removed = remove_channel(&tx, id, scope).await?;
        // Nothing removed, nothing to record.
        super::commit_audited(tx, removed.then_some(audit)).await?;
        Ok(removed)
    }

    async fn alert_channels(
        &self,
        scope: &Scope,
        inherited: bool,
    ) -> StoreResult<Vec<AlertChannel>> {
        channels(&self.client().await?, scope, inherited).await
    }

    async fn raise_alert(&self, draft: &AlertDraft) -> StoreResult<bool> {
        raise_in(&self.client().await?, draft).await
    }

    async fn alert_raised(&self, key: &str) -> StoreResult<bool> {
        raised(&self.client().await?, key).await
    }

    async fn fan_out_alerts(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        fan_out(&self.client().await?, now).await
    }

    async fn lapse_alert_claims(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        lapse(&self.client().await?, now).await
    }

    async fn claim_alerts(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<AlertDelivery>> {
        claim(&self.client().await?, now, until, limit).await
    }

    async fn record_alert_attempts(&self, outcomes: &[AttemptOutcome]) -> StoreResult<()> {
        record(&mut self.client().await?, outcomes).await
    }

    async fn resend_alert(
        &self,
        event_id: i64,
        channel_id: &str,
        scope: &Scope,
        audit: &AuditDraft,
    ) -> StoreResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(backend)?;
        let queued = resend(&tx, event_id, channel_id, scope).await?;
        // Nothing queued again, nothing to record.
        super::commit_audited(tx, queued.then_some(audit)).await?;
        Ok(queued)
    }

    async fn alert_deliveries(
        &self,
        scope: &Scope,
        undeliverable: bool,
        limit: u32,
    ) -> StoreResult<Vec<AlertDelivery>> {
        deliveries(&self.client().await?, scope, undeliverable, limit).await
    }

    async fn alert_tally(&self) -> StoreResult<AlertTally> {
        tally(&self.client().await?).await
    }

    async fn chain_gaps(&self, before: DateTime<Utc>) -> StoreResult<Vec<ChainGap>> {
        chain_gaps(&self.client().await?, before).await
    }
}

//! The SQL of visitors: visits, page views, profiles and the online table's rows.

use super::row::RowExt;
use sqlx::any::AnyRow;

use super::{Store, StoreResult, WriteTx};
use crate::model::{Millis, OnlineVisitor, PageRecord, VisitRecord, VisitorProfile, visitor_label};
use crate::rules::VisitorEdit;
use crate::tracking::{self, Environment, Page};

/// How many visits a profile lists.
const PROFILE_VISITS: i64 = 50;
/// How many recent pages a profile lists.
const PROFILE_PAGES: i64 = 20;

/// A visitor's checked pre-chat form, as stored.
pub struct FormSubmission<'a> {
    /// Their name, if given.
    pub name: Option<&'a str>,
    /// Their email, if given.
    pub email: Option<&'a str>,
    /// The department chosen, if any.
    pub department: Option<i64>,
    /// Every answer as the profile shows it.
    pub answers: &'a [crate::widget_settings::FormAnswer],
}

/// What decides whether a page view continues the visitor's current visit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitFacts {
    /// Their latest visit.
    pub visit_id: Option<i64>,
    /// When it last saw them.
    pub last_seen_at: Option<Millis>,
    /// The page they are on (the open page view), if any.
    pub open_page_url: Option<String>,
}

/// A visit to record.
pub struct NewVisit<'a> {
    /// Whose.
    pub visitor_id: i64,
    /// When it starts.
    pub at: Millis,
    /// Its first page.
    pub landing: &'a Page,
    /// The address as stored (whole or truncated).
    pub ip: Option<String>,
    /// The raw user agent.
    pub user_agent: &'a str,
    /// Parsed browser.
    pub browser: Option<String>,
    /// Parsed OS.
    pub os: Option<String>,
    /// Parsed device kind.
    pub device: Option<String>,
    /// GeoIP city.
    pub city: Option<String>,
    /// GeoIP country.
    pub country: Option<String>,
}

const VISIT_COLUMNS: &str = "SELECT vi.id, vi.started_at, vi.last_seen_at, vi.landing_url, vi.landing_title, \
     vi.referrer, vi.ip, vi.browser, vi.os, vi.device, vi.city, vi.country, v.time_zone, \
     (SELECT COUNT(*) FROM page_views p WHERE p.visit_id = vi.id) AS pages \
     FROM visits vi JOIN visitors v ON v.id = vi.visitor_id";

/// A row of the online table: the visitor, their latest visit and the page they are on.
const ONLINE_COLUMNS: &str = "SELECT v.id, v.inbox_id, v.name, v.time_zone, v.visit_count, \
     (SELECT COUNT(*) FROM conversations c WHERE c.visitor_id = v.id) AS chats, \
     EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = v.id AND c.status <> 'closed') AS chatting, \
     vi.started_at, vi.city, vi.country, p.url, p.title \
     FROM visitors v \
     JOIN visits vi ON vi.id = (SELECT MAX(id) FROM visits WHERE visitor_id = v.id) \
     JOIN page_views p ON p.id = (SELECT MAX(id) FROM page_views WHERE visitor_id = v.id)";

fn online_from_row(row: &AnyRow) -> StoreResult<OnlineVisitor> {
    let id: i64 = row.col("id")?;
    let name: Option<String> = row.col("name")?;
    Ok(OnlineVisitor {
        visitor_id: id,
        inbox_id: row.col("inbox_id")?,
        label: visitor_label(id, name.as_deref()),
        location: location(row)?,
        page_url: row.col("url")?,
        page_title: row.col("title")?,
        visits: row.col("visit_count")?,
        chats: row.col("chats")?,
        chatting: row.col("chatting")?,
        since: row.col("started_at")?,
    })
}

/// A page a visitor opened in their current visit, to record with others.
pub struct NewPageView<'a> {
    /// The visit it belongs to.
    pub visit_id: i64,
    /// Whose.
    pub visitor_id: i64,
    /// The page, as stored (only the query the inbox keeps).
    pub page: &'a Page,
}

impl Store {
    /// The language the widget last spoke to a visitor, so an unchanged one is not written again.
    pub async fn visitor_locale(&self, visitor_id: i64) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT locale FROM visitors WHERE id = $1")
                .bind(visitor_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    /// The online table's row of a visitor who has viewed a page; `None` for one who never has.
    pub async fn online_row(&self, visitor_id: i64) -> StoreResult<Option<OnlineVisitor>> {
        let row = sqlx::query(&format!("{ONLINE_COLUMNS} WHERE v.id = $1"))
            .bind(visitor_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(online_from_row).transpose()
    }

    /// How many page views are stored (the benchmark counts what was committed).
    pub async fn page_view_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM page_views")
            .fetch_one(&self.pool)
            .await?)
    }

    /// A visitor's profile from their own row: their visits, pages and conversations empty,
    /// and not online (the service fills those in).
    pub async fn visitor_profile(&self, visitor_id: i64) -> StoreResult<Option<VisitorProfile>> {
        let row = sqlx::query(
            "SELECT id, inbox_id, name, email, phone, notes, screen, language, time_zone, \
             first_visit_at, first_landing_url, first_landing_title, form_answers, \
             (SELECT name FROM inboxes WHERE id = department_id) AS department \
             FROM visitors WHERE id = $1",
        )
        .bind(visitor_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let id: i64 = row.col("id")?;
            let name: Option<String> = row.col("name")?;
            Ok(VisitorProfile {
                id,
                inbox_id: row.col("inbox_id")?,
                label: visitor_label(id, name.as_deref()),
                name,
                email: row.col("email")?,
                phone: row.col("phone")?,
                notes: row.col("notes")?,
                screen: row.col("screen")?,
                language: row.col("language")?,
                time_zone: row.col("time_zone")?,
                first_visit_at: row.col("first_visit_at")?,
                first_landing_url: row.col("first_landing_url")?,
                first_landing_title: row.col("first_landing_title")?,
                online: false,
                visits: Vec::new(),
                pages: Vec::new(),
                conversations: Vec::new(),
                block: None,
                contact: None,
                answers: serde_json::from_str(row.col::<String, _>("form_answers")?.as_str())
                    .unwrap_or_default(),
                department: row.col("department")?,
            })
        })
        .transpose()
    }

    /// The form state a widget starts from: whether the visitor answered the pre-chat form.
    pub async fn form_answered(&self, visitor_id: i64) -> StoreResult<bool> {
        let at: Option<Millis> =
            sqlx::query_scalar("SELECT form_answered_at FROM visitors WHERE id = $1")
                .bind(visitor_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten();
        Ok(at.is_some())
    }

    /// The inboxes a visitor's conversations are in (their own inbox aside).
    pub async fn conversation_inboxes_of(&self, visitor_id: i64) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT inbox_id FROM conversations WHERE visitor_id = $1")
                .bind(visitor_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// A visitor's visits, newest first.
    pub async fn visits_of(&self, visitor_id: i64) -> StoreResult<Vec<VisitRecord>> {
        let rows = sqlx::query(&format!(
            "{VISIT_COLUMNS} WHERE vi.visitor_id = $1 ORDER BY vi.id DESC LIMIT $2"
        ))
        .bind(visitor_id)
        .bind(PROFILE_VISITS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(VisitRecord {
                    id: row.col("id")?,
                    started_at: row.col("started_at")?,
                    last_seen_at: row.col("last_seen_at")?,
                    landing_url: row.col("landing_url")?,
                    landing_title: row.col("landing_title")?,
                    referrer: row.col("referrer")?,
                    ip: row.col("ip")?,
                    browser: row.col("browser")?,
                    os: row.col("os")?,
                    device: row.col("device")?,
                    location: location(row)?,
                    pages: row.col("pages")?,
                })
            })
            .collect()
    }

    /// The pages a visitor opened most recently, newest first.
    pub async fn recent_pages(&self, visitor_id: i64) -> StoreResult<Vec<PageRecord>> {
        let rows = sqlx::query(
            "SELECT url, title, started_at, ended_at FROM page_views WHERE visitor_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(visitor_id)
        .bind(PROFILE_PAGES)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PageRecord {
                    url: row.col("url")?,
                    title: row.col("title")?,
                    started_at: row.col("started_at")?,
                    ended_at: row.col("ended_at")?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// The visitor's latest visit and the page they are on.
    pub async fn visit_facts(&mut self, visitor_id: i64) -> StoreResult<VisitFacts> {
        let visit = sqlx::query(
            "SELECT id, last_seen_at FROM visits WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(visitor_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let open_page_url: Option<String> = sqlx::query_scalar(
            "SELECT url FROM page_views WHERE visitor_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(visitor_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(VisitFacts {
            visit_id: visit.as_ref().map(|r| r.col("id")).transpose()?,
            last_seen_at: visit.as_ref().map(|r| r.col("last_seen_at")).transpose()?,
            open_page_url,
        })
    }

    /// [`WriteTx::visit_facts`] for many visitors in one statement, by visitor.
    pub async fn visit_facts_of(
        &mut self,
        visitor_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, VisitFacts>> {
        let rows = sqlx::query(&format!(
            "SELECT j.value AS visitor_id, vi.id AS visit_id, vi.last_seen_at, \
             (SELECT url FROM page_views WHERE visitor_id = j.value AND ended_at IS NULL \
              ORDER BY id DESC LIMIT 1) AS open_page_url \
             FROM (SELECT DISTINCT value FROM ({ids1}) AS given) AS j \
             LEFT JOIN visits vi ON vi.id = (SELECT MAX(id) FROM visits WHERE visitor_id = j.value)",
            ids1 = self.backend.ids(1)
        ))
        .bind(serde_json::to_string(visitor_ids).map_err(super::decode_error)?)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.col("visitor_id")?,
                    VisitFacts {
                        visit_id: row.col("visit_id")?,
                        last_seen_at: row.col("last_seen_at")?,
                        open_page_url: row.col("open_page_url")?,
                    },
                ))
            })
            .collect()
    }

    /// Records pages visitors opened in their current visits, each as the page they are on
    /// (the one they were on ends), and notes them as seen at `at`, in four statements
    /// however many. One page per visitor.
    pub async fn record_page_views(
        &mut self,
        views: &[NewPageView<'_>],
        at: Millis,
    ) -> StoreResult<()> {
        if views.is_empty() {
            return Ok(());
        }
        let visitor_ids: Vec<i64> = views.iter().map(|v| v.visitor_id).collect();
        let visitor_ids = serde_json::to_string(&visitor_ids).map_err(super::decode_error)?;
        let visit_ids: Vec<i64> = views.iter().map(|v| v.visit_id).collect();
        let visit_ids = serde_json::to_string(&visit_ids).map_err(super::decode_error)?;
        let rows: Vec<serde_json::Value> = views
            .iter()
            .map(|v| serde_json::json!([v.visit_id, v.visitor_id, v.page.url, v.page.title]))
            .collect();
        sqlx::query(&format!(
            "UPDATE page_views SET ended_at = CASE WHEN started_at > $1 THEN started_at ELSE $1 END \
             WHERE visitor_id IN ({ids2}) AND ended_at IS NULL",
            ids2 = self.backend.ids(2)
        ))
        .bind(at)
        .bind(&visitor_ids)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO page_views (visit_id, visitor_id, url, title, started_at) \
             SELECT CAST(j.value ->> 0 AS BIGINT), CAST(j.value ->> 1 AS BIGINT), j.value ->> 2, \
             j.value ->> 3, $1 FROM {rows2} ORDER BY j.key",
            rows2 = self.backend.json_rows(2)
        ))
        .bind(at)
        .bind(serde_json::to_string(&rows).map_err(super::decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        self.touch_visits(&visit_ids, &visitor_ids, at).await
    }

    /// Notes visitors as seen at `at` in their current visits (given as JSON arrays of ids).
    async fn touch_visits(
        &mut self,
        visit_ids: &str,
        visitor_ids: &str,
        at: Millis,
    ) -> StoreResult<()> {
        sqlx::query(&format!(
            "UPDATE visits SET last_seen_at = CASE WHEN last_seen_at > $1 THEN last_seen_at ELSE $1 END \
             WHERE id IN ({ids2})",
            ids2 = self.backend.ids(2)
        ))
        .bind(at)
        .bind(visit_ids)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE visitors SET last_seen_at = CASE WHEN last_seen_at > $1 THEN last_seen_at ELSE $1 END \
             WHERE id IN ({ids2})",
            ids2 = self.backend.ids(2)
        ))
        .bind(at)
        .bind(visitor_ids)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Notes visitors as seen at `at` in their current visits, with no new page (a repeat of
    /// the page they are on).
    pub async fn touch_current_visits(
        &mut self,
        seen: &[(i64, i64)],
        at: Millis,
    ) -> StoreResult<()> {
        if seen.is_empty() {
            return Ok(());
        }
        let (visit_ids, visitor_ids): (Vec<i64>, Vec<i64>) = seen.iter().copied().unzip();
        self.touch_visits(
            &serde_json::to_string(&visit_ids).map_err(super::decode_error)?,
            &serde_json::to_string(&visitor_ids).map_err(super::decode_error)?,
            at,
        )
        .await
    }

    /// Keeps what browsers said about themselves (known values replace older ones), in one
    /// statement; one row per visitor (of two for the same visitor, SQLite would apply either).
    pub async fn set_environments(&mut self, envs: &[(i64, &Environment)]) -> StoreResult<()> {
        if envs.is_empty() {
            return Ok(());
        }
        let rows: Vec<serde_json::Value> = envs
            .iter()
            .map(|(id, env)| serde_json::json!([id, env.screen, env.language, env.time_zone]))
            .collect();
        sqlx::query(&format!(
            "UPDATE visitors SET screen = COALESCE(j.value ->> 1, screen), \
             language = COALESCE(j.value ->> 2, language), \
             time_zone = COALESCE(j.value ->> 3, time_zone) \
             FROM {rows1} WHERE visitors.id = CAST(j.value ->> 0 AS BIGINT)",
            rows1 = self.backend.json_rows(1)
        ))
        .bind(serde_json::to_string(&rows).map_err(super::decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The online table's rows of these visitors, read in the transaction (with its writes).
    pub async fn online_rows(&mut self, visitor_ids: &[i64]) -> StoreResult<Vec<OnlineVisitor>> {
        let rows = sqlx::query(&format!(
            "{ONLINE_COLUMNS} WHERE v.id IN ({ids1})",
            ids1 = self.backend.ids(1)
        ))
        .bind(serde_json::to_string(visitor_ids).map_err(super::decode_error)?)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(online_from_row).collect()
    }

    /// Records the start of a visit; the visitor's first visit is also kept on their row.
    pub async fn insert_visit(&mut self, visit: NewVisit<'_>) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visits (visitor_id, started_at, last_seen_at, landing_url, landing_title, referrer, \
             ip, user_agent, browser, os, device, city, country) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(visit.visitor_id)
        .bind(visit.at)
        .bind(visit.at)
        .bind(&visit.landing.url)
        .bind(&visit.landing.title)
        .bind(&visit.landing.referrer)
        .bind(&visit.ip)
        .bind(visit.user_agent)
        .bind(&visit.browser)
        .bind(&visit.os)
        .bind(&visit.device)
        .bind(&visit.city)
        .bind(&visit.country)
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query(
            "UPDATE visitors SET visit_count = visit_count + 1, \
             first_visit_at = COALESCE(first_visit_at, $1), \
             first_landing_url = COALESCE(first_landing_url, $2), \
             first_landing_title = COALESCE(first_landing_title, $3) WHERE id = $4",
        )
        .bind(visit.at)
        .bind(&visit.landing.url)
        .bind(&visit.landing.title)
        .bind(visit.visitor_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(id)
    }

    /// The visitor left the site at `at`: the page they were on then ends, and their visit
    /// was last seen then. (A page opened after `at` belongs to their return.)
    pub async fn visitor_left(&mut self, visitor_id: i64, at: Millis) -> StoreResult<()> {
        sqlx::query(
            "UPDATE page_views SET ended_at = CASE WHEN started_at > $1 THEN started_at ELSE $1 END \
             WHERE visitor_id = $2 AND ended_at IS NULL AND started_at <= $3",
        )
        .bind(at)
        .bind(visitor_id)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        let visit: Option<i64> =
            sqlx::query_scalar("SELECT MAX(id) FROM visits WHERE visitor_id = $1")
                .bind(visitor_id)
                .fetch_one(&mut *self.tx)
                .await?;
        if let Some(visit_id) = visit {
            self.touch_current_visits(&[(visit_id, visitor_id)], at)
                .await?;
        }
        Ok(())
    }

    /// Notes that these visitors are still on the site at `at` (their latest visit goes on),
    /// so a restart or a long reconnect knows when they were last seen.
    pub async fn touch_latest_visits(
        &mut self,
        visitor_ids: &[i64],
        at: Millis,
    ) -> StoreResult<()> {
        let ids = serde_json::to_string(visitor_ids).map_err(super::decode_error)?;
        sqlx::query(&format!(
            "UPDATE visits SET last_seen_at = CASE WHEN last_seen_at > $1 THEN last_seen_at ELSE $1 END WHERE id IN \
             (SELECT MAX(id) FROM visits WHERE visitor_id IN ({ids2}) \
             GROUP BY visitor_id)",
            ids2 = self.backend.ids(2)
        ))
        .bind(at)
        .bind(ids)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Ends every page left open by a process that is gone, where its visit was last seen,
    /// but those of the visitors given (on the site now, through another node).
    pub async fn end_open_page_views_but(&mut self, on_site: &[i64]) -> StoreResult<u64> {
        let done = sqlx::query(&format!(
            "UPDATE page_views SET ended_at = CASE WHEN page_views.started_at > v.last_seen_at \
             THEN page_views.started_at ELSE v.last_seen_at END \
             FROM visits v WHERE v.id = page_views.visit_id AND page_views.ended_at IS NULL \
             AND page_views.visitor_id NOT IN ({ids1})",
            ids1 = self.backend.ids(1)
        ))
        .bind(serde_json::to_string(on_site).map_err(super::decode_error)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected())
    }

    /// Keeps a visitor's answers to the pre-chat form: a name and an email given replace the
    /// profile's; the department chosen is where their next conversations start.
    pub async fn save_form_answers(
        &mut self,
        visitor_id: i64,
        answers: &FormSubmission<'_>,
        at: Millis,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(answers.answers).map_err(super::decode_error)?;
        sqlx::query(
            "UPDATE visitors SET name = COALESCE($1, name), email = COALESCE($2, email), \
             form_answers = $3, form_answered_at = $4, department_id = $5 WHERE id = $6",
        )
        .bind(answers.name)
        .bind(answers.email)
        .bind(json)
        .bind(at)
        .bind(answers.department)
        .bind(visitor_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Whether a visitor answered the pre-chat form, and the department (an inbox) they chose.
    pub async fn form_state(&mut self, visitor_id: i64) -> StoreResult<(bool, Option<i64>)> {
        let row = sqlx::query("SELECT form_answered_at, department_id FROM visitors WHERE id = $1")
            .bind(visitor_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(match row {
            Some(row) => (
                row.col::<Option<Millis>, _>("form_answered_at")?.is_some(),
                row.col("department_id")?,
            ),
            None => (false, None),
        })
    }

    /// Replaces what the team knows about a visitor.
    pub async fn update_visitor(&mut self, visitor_id: i64, edit: &VisitorEdit) -> StoreResult<()> {
        sqlx::query(
            "UPDATE visitors SET name = $1, email = $2, phone = $3, notes = $4 WHERE id = $5",
        )
        .bind(&edit.name)
        .bind(&edit.email)
        .bind(&edit.phone)
        .bind(&edit.notes)
        .bind(visitor_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

/// Where a visitor was: GeoIP city and country of the visit when known, else their time zone.
fn location(row: &AnyRow) -> StoreResult<Option<String>> {
    let city: Option<String> = row.col("city")?;
    let country: Option<String> = row.col("country")?;
    let time_zone: Option<String> = row.col("time_zone")?;
    Ok(
        tracking::location_from_geoip(city.as_deref(), country.as_deref()).or_else(|| {
            time_zone
                .as_deref()
                .and_then(tracking::location_from_time_zone)
        }),
    )
}

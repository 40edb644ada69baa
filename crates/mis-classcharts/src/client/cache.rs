//! What a client keeps between reads: the timetable days and the parent's pupil list read
//! lately, so one run (the attendance read joining lesson marks to their lessons, then the
//! timetable read; every read starting from a parent's pupils) does not fetch the same fact
//! twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::civil::Date;
use mis_core::Result;
use mis_http::Lenient;
use tokio::time::Instant;

use super::{Client, ParentClient};
use crate::wire::{Pupil, Reply, TimetableLesson, TimetableMeta};

/// One pupil's day of timetable as ClassCharts sent it (each lesson decoded on its own).
pub(crate) type DayReply = Reply<Vec<Lenient<TimetableLesson>>, TimetableMeta>;

/// How long a day's timetable or a parent's pupil list is reused: long enough for every read
/// of one run (a sync's attendance and timetable of a pupil come minutes apart at most),
/// short enough that a long-lived client sees a change within minutes.
pub(crate) const REUSE: Duration = Duration::from_secs(10 * 60);
/// Days kept at most (a school-year of days for a family of pupils, well under a megabyte):
/// past this the stale ones go, and if none is stale, all of them.
const TIMETABLE_DAYS_KEPT: usize = 4_096;

/// A pupil's day cell: filled once by the first read that needs it, shared by the others.
type DayCell = Arc<tokio::sync::OnceCell<Arc<DayReply>>>;

/// The parent's pupil list, filled once by the first read that needs it.
pub(crate) type PupilsCell = Arc<tokio::sync::OnceCell<Arc<Vec<Lenient<Pupil>>>>>;

/// The parent's pupil list as read lately, with when it was asked for.
pub(crate) type KeptPupils = Mutex<Option<(Instant, PupilsCell)>>;

/// The timetable days this client read lately, per pupil and date. The attendance read asks
/// for the day of every date with lesson marks to join them to their lessons, and the
/// timetable read asks for every teaching day: the same `GET /timetable/{id}?date=`, read
/// once for both, whichever comes first — also when they run at the same time (one request,
/// the other waits for it).
///
/// Only answers are kept: a refusal is not, so a later read asks again (and reports it on
/// its own query). Each reader decodes the kept answer itself, so an unreadable lesson is
/// reported on every query that read the day, as if each had fetched it.
#[derive(Default)]
pub(crate) struct TimetableCache {
    days: Mutex<HashMap<(String, Date), (Instant, DayCell)>>,
}

impl TimetableCache {
    fn cell(&self, pupil: &str, date: Date) -> DayCell {
        let mut days = self.days.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (pupil.to_owned(), date);
        if let Some((at, cell)) = days.get(&key)
            && at.elapsed() < REUSE
        {
            return cell.clone();
        }
        if days.len() >= TIMETABLE_DAYS_KEPT {
            days.retain(|_, (at, _)| at.elapsed() < REUSE);
            if days.len() >= TIMETABLE_DAYS_KEPT {
                days.clear();
            }
        }
        let cell = DayCell::default();
        days.insert(key, (Instant::now(), cell.clone()));
        cell
    }
}

impl std::fmt::Debug for TimetableCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .days
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("TimetableCache").field("days", &n).finish()
    }
}

impl Client {
    /// A pupil's day of timetable: the one this client read lately ([`TimetableCache`]),
    /// else one `GET /timetable/{id}?date=`.
    pub(crate) async fn timetable_day(&self, pupil: &str, date: Date) -> Result<Arc<DayReply>> {
        let cell = self.inner.timetables.cell(pupil, date);
        cell.get_or_try_init(|| async {
            self.timetable_as::<Lenient<TimetableLesson>>(pupil, date)
                .await
                .map(Arc::new)
        })
        .await
        .cloned()
    }
}

impl ParentClient {
    /// `GET /pupils` as read lately: every read of a run starts from the parent's pupils,
    /// and one list serves them all, reused for [`REUSE`]; concurrent reads share one
    /// request. A refusal is not kept.
    pub(crate) async fn pupils_once(&self) -> Result<Arc<Vec<Lenient<Pupil>>>> {
        let cell = {
            let mut kept = self
                .core()
                .inner
                .pupils
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match &*kept {
                Some((at, cell)) if at.elapsed() < REUSE => cell.clone(),
                _ => {
                    let cell = PupilsCell::default();
                    *kept = Some((Instant::now(), cell.clone()));
                    cell
                }
            }
        };
        cell.get_or_try_init(|| async {
            self.pupils_as::<Lenient<Pupil>>()
                .await
                .map(|r| Arc::new(r.data))
        })
        .await
        .cloned()
    }
}

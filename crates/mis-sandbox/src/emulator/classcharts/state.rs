//! What the ClassCharts emulator remembers: the accounts that can log in, the live sessions,
//! and the writes clients applied.
//!
//! Everything here is derived from the school's seed, so the same school always has the same
//! pupil codes, parent account and session ids (a failing test can be replayed).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use jiff::civil::{Date, DateTime};
use mis_core::EnrolmentStatus;

use crate::emulator::RecordFaults;
use crate::school::School;

/// Which API a request or a session belongs to: `/apiv2student` or `/apiv2parent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Api {
    /// The student API (`/apiv2student`), logged in with pupil code + date of birth.
    Student,
    /// The parent API (`/apiv2parent`), logged in with e-mail + password.
    Parent,
}

impl Api {
    /// The documented path prefix (`/apiv2student`, `/apiv2parent`).
    pub(super) fn prefix(self) -> &'static str {
        match self {
            Api::Student => "/apiv2student",
            Api::Parent => "/apiv2parent",
        }
    }
}

/// Who a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    /// A pupil, by index into `School::students`.
    Student(usize),
    /// The one parent account.
    Parent,
}

impl Who {
    fn api(self) -> Api {
        match self {
            Who::Student(_) => Api::Student,
            Who::Parent => Api::Parent,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic hashing (FNV-1a, then a splitmix64 finaliser): the same on every platform.

/// A well-mixed 64-bit hash of `seed` and `parts`.
pub(super) fn hash(seed: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    splitmix(h)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` characters of `alphabet` drawn from `h`.
fn chars(h: u64, alphabet: &[u8], n: usize) -> String {
    (0..n as u64)
        .map(|i| {
            let x = splitmix(h.wrapping_add(i));
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A pupil's ClassCharts code: eight upper-case letters and digits, like the documented
/// `12GFKDQY` (vendor doc, "Student Endpoint").
pub(super) fn pupil_code(seed: u64, student_id: &str) -> String {
    chars(hash(seed, &["pupil-code", student_id]), UPPER_ALNUM, 8)
}

/// The `n`-th session id the emulator issues: 32 lower-case letters and digits, like the
/// documented `5vf2v7n5uk9jftrxaarrik39vk6yjm48` (vendor doc, "Requesting Data").
pub(super) fn session_token(seed: u64, n: u64) -> String {
    chars(hash(seed, &["session", &n.to_string()]), LOWER_ALNUM, 32)
}

/// The `cc-session` cookie value of the `n`-th web-form login (classcharts-api-js PR #47).
pub(super) fn cc_session(seed: u64, n: u64) -> String {
    chars(hash(seed, &["cc-session", &n.to_string()]), LOWER_ALNUM, 26)
}

// ---------------------------------------------------------------------------------------------
// Accounts.

/// The parent account: one parent of two pupils.
#[derive(Debug, Clone)]
pub(super) struct ParentAccount {
    /// The parent's ClassCharts id.
    pub id: u64,
    /// First name.
    pub first_name: String,
    /// Last name (the first pupil's).
    pub last_name: String,
    /// Login e-mail.
    pub email: String,
    /// The password the account starts with.
    pub password: String,
    /// The pupils the parent sees, as indices into `School::students`.
    pub pupils: Vec<usize>,
}

impl ParentAccount {
    /// `First Last`.
    pub(super) fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Who can log in.
#[derive(Debug, Clone)]
pub(super) struct Accounts {
    /// The pupil whose code + date of birth the sandbox hands out (the first on roll). Every
    /// on-roll pupil can log in with their own code; this one is just the one we publish.
    pub student: usize,
    /// The parent account.
    pub parent: ParentAccount,
}

const PARENT_FIRST: &[&str] = &[
    "Claire", "Sarah", "Emma", "Rachel", "Helen", "David", "James", "Mark", "Paul", "Andrew",
];

impl Accounts {
    /// The accounts of `school`, derived from its seed.
    pub(super) fn new(school: &School) -> Accounts {
        let on_roll: Vec<usize> = (0..school.students.len())
            .filter(|&i| is_on_roll(school, i))
            .collect();
        let student = on_roll.first().copied().unwrap_or(0);
        // The parent sees two siblings: the first two on-roll pupils who share a surname (a
        // family, as far as the synthetic school can tell), else simply the first two.
        let siblings = on_roll.iter().enumerate().find_map(|(k, &a)| {
            on_roll[k + 1..]
                .iter()
                .find(|&&b| school.students[b].last_name == school.students[a].last_name)
                .map(|&b| vec![a, b])
        });
        let pupils = siblings.unwrap_or_else(|| on_roll.iter().copied().take(2).collect());
        let first_pupil = &school.students[pupils.first().copied().unwrap_or(student)];
        let h = hash(school.seed, &["parent"]);
        let first_name = PARENT_FIRST[(h % PARENT_FIRST.len() as u64) as usize].to_string();
        let last_name = first_pupil.last_name.clone();
        let local: String = format!("{first_name}.{last_name}")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect::<String>()
            .to_ascii_lowercase();
        let parent = ParentAccount {
            id: 500_000 + h % 100_000,
            email: format!("{local}@{}", school.email_domain),
            password: format!("Cc-{}", chars(h, LOWER_ALNUM, 12)),
            first_name,
            last_name,
            pupils,
        };
        Accounts { student, parent }
    }
}

impl Accounts {
    /// The accounts of a school served with record faults on: the parent also sees the pupils
    /// the faults touch ([`RecordFaults::MALFORMED_STUDENT`], [`RecordFaults::MISSING_STUDENT`]),
    /// listed after at least three untouched ones, so a read through the faults still has
    /// most of its pupils (a parent — or carer — of five is an ordinary ClassCharts account:
    /// `/pupils` is a list). Without record faults the account is unchanged.
    pub(super) fn with_record_faults(mut self, school: &School, records: RecordFaults) -> Accounts {
        if records.is_clean() {
            return self;
        }
        let touched = [
            RecordFaults::MALFORMED_STUDENT,
            RecordFaults::MISSING_STUDENT,
        ];
        let mut pupils: Vec<usize> = self
            .parent
            .pupils
            .iter()
            .copied()
            .filter(|p| !touched.contains(p))
            .collect();
        for i in (0..school.students.len()).filter(|&i| is_on_roll(school, i)) {
            if pupils.len() >= 3 {
                break;
            }
            if !touched.contains(&i) && !pupils.contains(&i) {
                pupils.push(i);
            }
        }
        pupils.extend(touched.iter().filter(|&&i| i < school.students.len()));
        self.parent.pupils = pupils;
        self
    }
}

/// Whether pupil `i` is on roll (leavers' ClassCharts accounts are disabled).
pub(super) fn is_on_roll(school: &School, i: usize) -> bool {
    school.students[i].enrolment_status == Some(EnrolmentStatus::OnRoll)
}

// ---------------------------------------------------------------------------------------------
// Sessions.

/// Why a request's session was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No `Authorization: Basic …` header at all.
    Missing,
    /// An id the server does not know, one of the other API, or one idle too long.
    Expired,
}

#[derive(Debug)]
struct Session {
    who: Who,
    last_used: Instant,
}

/// The live session ids.
///
/// A session dies after `idle` without requests (classcharts-api-js issue #17: "as little
/// as 5 minutes"). `POST /ping` issues a *new* id; the old one is not revoked, it
/// simply stops being used and idles out (inferred: nothing public says the old id dies at
/// once, and concurrent requests in flight with it must not fail).
#[derive(Debug)]
pub(super) struct Sessions {
    seed: u64,
    issued: u64,
    web_logins: u64,
    live: HashMap<String, Session>,
}

impl Sessions {
    /// No sessions yet.
    pub(super) fn new(seed: u64) -> Sessions {
        Sessions {
            seed,
            issued: 0,
            web_logins: 0,
            live: HashMap::new(),
        }
    }

    /// Issues a new session id for `who`, and forgets sessions idle longer than `idle`.
    pub(super) fn issue(&mut self, who: Who, now: Instant, idle: Duration) -> String {
        self.live
            .retain(|_, s| now.saturating_duration_since(s.last_used) <= idle);
        self.issued += 1;
        let token = session_token(self.seed, self.issued);
        self.live.insert(
            token.clone(),
            Session {
                who,
                last_used: now,
            },
        );
        token
    }

    /// The next `cc-session` cookie value.
    pub(super) fn next_cc_session(&mut self) -> String {
        self.web_logins += 1;
        cc_session(self.seed, self.web_logins)
    }

    /// Looks `token` up for a request to `api` at `now`, and marks it used.
    pub(super) fn check(
        &mut self,
        token: Option<&str>,
        api: Api,
        now: Instant,
        idle: Duration,
    ) -> Result<Who, Refusal> {
        let token = token.ok_or(Refusal::Missing)?;
        let session = self.live.get_mut(token).ok_or(Refusal::Expired)?;
        if now.saturating_duration_since(session.last_used) > idle {
            self.live.remove(token);
            return Err(Refusal::Expired);
        }
        if session.who.api() != api {
            return Err(Refusal::Expired);
        }
        session.last_used = now;
        Ok(session.who)
    }

    /// Ends a session (logout, or an injected expiry).
    pub(super) fn end(&mut self, token: &str) {
        self.live.remove(token);
    }
}

// ---------------------------------------------------------------------------------------------
// Writes.

/// A behaviour point a parent awarded at home (`/addparentbehaviour`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParentPoint {
    /// The activity id it shows under.
    pub id: u64,
    /// When it happened (school wall-clock time).
    pub at: DateTime,
}

/// The writes applied, each keyed by the vendor's natural key so that repeating a write
/// replaces (or is refused) rather than duplicates.
#[derive(Debug, Clone, Default)]
pub(super) struct Writes {
    /// Homework status id → ticked by the pupil (`/homeworkticked` toggles it).
    pub ticked: BTreeMap<u64, bool>,
    /// (pupil id, parent behaviour id, date) → the point: one per behaviour per pupil per
    /// day, the documented daily limit (api-docs' `add_limit_error_response`).
    pub parent_points: BTreeMap<(u64, u64, Date), ParentPoint>,
    /// Parent points ever awarded (ids are never reused).
    pub points_awarded: u64,
    /// (pupil id, reward id) → times bought.
    pub purchases: BTreeMap<(u64, u64), u32>,
    /// Orders placed (order ids are never reused).
    pub orders: u64,
    /// The parent's password once changed with `/password`.
    pub password: Option<String>,
}

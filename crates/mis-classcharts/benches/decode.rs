//! Decode + normalise throughput: the emulator's `/pupils` body (a parent's pupils),
//! `/homeworks` body (a pupil's tasks) and `/activity` body (a pupil's behaviour points),
//! each cycled to 5,000 records, read (a) as plain JSON (`serde_json::Value`, and
//! `IgnoredAny`, the parse floor), (b) into plain `#[derive(Deserialize)]` structs typed as
//! the JSON is (`typed_serde`, the baseline a hand-written client would have), and (c)
//! through this crate's wire types, as the provider reads them, into the `mis_core` model.
//!
//! ```text
//! cargo bench -p mis-classcharts --bench decode
//! cargo bench -p mis-classcharts --bench decode -- homeworks   # one group only
//! ```
//!
//! ClassCharts is a student / parent API: no endpoint lists a school's students, and
//! homework and behaviour are one pupil's, so no real body is large. Each body's records
//! are repeated to a 5,000-record body of the same shape to measure the per-record cost.
//!
//! For homework and behaviour the functions are:
//!
//! - `typed_serde`: `serde_json::from_slice` into the plain structs in [`typed`];
//! - `typed_serde_str`: the same structs through `serde_json::from_str` after one UTF-8 check
//!   of the whole body (`from_slice` checks each string and key on its own, which costs more):
//!   the typed decode with the same reading trick the provider's page decode uses;
//! - `wire_decode`: `mis_http::decode_json` into `Envelope<Vec<Homework>, HomeworksMeta>`
//!   (resp. `ActivityPoint`, `ActivityMeta`): the wire types' lenient field deserialisers;
//! - `wire_lenient`: what the provider reads, `Envelope::<Vec<Lenient<Homework>>, _>::decode_list`
//!   (one unreadable record costs that record, not the page): the page decoded plainly first,
//!   record by record only if that fails, which it does not here;
//! - `wire_per_record`: every record wrapped in `mis_http::Lenient` and decoded on its own
//!   (`mis_http::decode_json` into `Envelope<Vec<Lenient<Homework>>, _>`): what the provider
//!   read before the plain-first page decode, and what a page with a bad record costs on its
//!   second parse;
//! - `wire_convert`: `wire_lenient`, then the provider's `convert` of every record.

use std::hint::black_box;

use criterion::Criterion;
use mis_classcharts::convert;
use mis_classcharts::wire::{
    ActivityMeta, ActivityPoint, Envelope, Homework, HomeworksMeta, Pupil,
};
use mis_http::Lenient;
use mis_testkit::bench::{body, group};

/// Plain serde mirrors of the same JSON: every field the emulator sends, typed as it is sent
/// (numbers as numbers, `"yes"`/`"no"` as text, fields the vendor's JS types mark nullable
/// as `Option`), no custom deserialiser anywhere. The fields are decoded, never read.
#[allow(dead_code)]
mod typed {
    use serde::Deserialize;

    /// `{ "success": 1, "data": [...], "meta": {...} }`.
    #[derive(Deserialize)]
    pub struct Body<D, M> {
        pub success: i64,
        pub data: Vec<D>,
        pub meta: M,
    }

    #[derive(Deserialize)]
    pub struct Homework {
        pub id: u64,
        pub lesson: Option<String>,
        pub subject: Option<String>,
        pub teacher: Option<String>,
        pub homework_type: Option<String>,
        pub title: Option<String>,
        pub meta_title: Option<String>,
        pub description: Option<String>,
        pub issue_date: Option<String>,
        pub due_date: Option<String>,
        pub completion_time_unit: Option<String>,
        pub completion_time_value: Option<String>,
        pub publish_time: Option<String>,
        pub status: Option<Status>,
        pub validated_links: Vec<Link>,
        pub validated_attachments: Vec<Attachment>,
    }

    #[derive(Deserialize)]
    pub struct Status {
        pub id: u64,
        pub state: Option<String>,
        pub mark: Option<String>,
        pub mark_relative: Option<i64>,
        pub ticked: String,
        pub allow_attachments: bool,
        pub allow_marking_completed: bool,
        pub first_seen_date: Option<String>,
        pub last_seen_date: Option<String>,
        pub attachments: Vec<Attachment>,
        pub has_feedback: bool,
    }

    #[derive(Deserialize)]
    pub struct Link {
        pub link: Option<String>,
        pub validated_link: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Attachment {
        pub id: u64,
        pub file_name: Option<String>,
        pub file: Option<String>,
        pub validated_file: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct HomeworksMeta {
        pub start_date: String,
        pub end_date: String,
        pub display_type: String,
        pub max_files_allowed: i64,
        pub allowed_file_types: Vec<String>,
        pub this_week_due_count: i64,
        pub this_week_outstanding_count: i64,
        pub this_week_completed_count: i64,
        pub allow_attachments: bool,
        pub display_marks: bool,
    }

    #[derive(Deserialize)]
    pub struct ActivityPoint {
        pub id: u64,
        #[serde(rename = "type")]
        pub kind: String,
        pub polarity: Option<String>,
        pub reason: Option<String>,
        pub score: Option<i64>,
        pub timestamp: Option<String>,
        pub timestamp_custom_time: Option<String>,
        pub style: Option<Style>,
        pub pupil_name: Option<String>,
        pub lesson_name: Option<String>,
        pub teacher_name: Option<String>,
        pub room_name: Option<String>,
        pub note: Option<String>,
        #[serde(rename = "_can_delete")]
        pub can_delete: bool,
        pub badges: Option<String>,
        pub detention_date: Option<String>,
        pub detention_time: Option<String>,
        pub detention_location: Option<String>,
        pub detention_type: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Style {
        pub border_color: Option<String>,
        pub custom_class: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct ActivityMeta {
        pub start_date: String,
        pub end_date: String,
        pub last_id: u64,
        pub step_size: String,
        pub detention_alias_uc: String,
    }
}

const RECORDS: usize = 5000;

fn students(c: &mut Criterion) {
    let pupils = body(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        "pupils",
        "/data",
        RECORDS,
    );
    let mut g = group(c, "classcharts/students", &pupils);
    g.bench_function("wire_convert", |b| {
        b.iter(|| {
            let e: Envelope<Vec<Pupil>> =
                mis_http::decode_json("classcharts", "pupils", black_box(&pupils)).unwrap();
            e.data
                .unwrap_or_default()
                .iter()
                .map(|p| convert::student(&p.student, None).unwrap())
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

/// A decoder under measurement: the body in, the number of records out.
type Decoder = Box<dyn Fn(&[u8]) -> usize>;

/// The homework body and its decoders.
fn homeworks() -> (Vec<u8>, Vec<(&'static str, Decoder)>) {
    let bytes = body(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        "homeworks",
        "/data",
        RECORDS,
    );
    let decoders: Vec<(&'static str, Decoder)> = vec![
        (
            "typed_serde",
            Box::new(|bytes| {
                serde_json::from_slice::<typed::Body<typed::Homework, typed::HomeworksMeta>>(bytes)
                    .unwrap()
                    .data
                    .len()
            }),
        ),
        (
            "typed_serde_str",
            Box::new(|bytes| {
                serde_json::from_str::<typed::Body<typed::Homework, typed::HomeworksMeta>>(
                    std::str::from_utf8(bytes).unwrap(),
                )
                .unwrap()
                .data
                .len()
            }),
        ),
        (
            "wire_decode",
            Box::new(|bytes| {
                mis_http::decode_json::<Envelope<Vec<Homework>, HomeworksMeta>>(
                    "classcharts",
                    "homeworks",
                    bytes,
                )
                .unwrap()
                .data
                .map_or(0, |d| d.len())
            }),
        ),
        (
            "wire_lenient",
            Box::new(|bytes| {
                Envelope::<Vec<Lenient<Homework>>, HomeworksMeta>::decode_list("homeworks", bytes)
                    .unwrap()
                    .data
                    .map_or(0, |d| {
                        d.iter().filter(|h| matches!(h, Lenient::Ok(_))).count()
                    })
            }),
        ),
        (
            "wire_per_record",
            Box::new(|bytes| {
                mis_http::decode_json::<Envelope<Vec<Lenient<Homework>>, HomeworksMeta>>(
                    "classcharts",
                    "homeworks",
                    bytes,
                )
                .unwrap()
                .data
                .map_or(0, |d| {
                    d.iter().filter(|h| matches!(h, Lenient::Ok(_))).count()
                })
            }),
        ),
        (
            "wire_convert",
            Box::new(|bytes| {
                let e = Envelope::<Vec<Lenient<Homework>>, HomeworksMeta>::decode_list(
                    "homeworks",
                    bytes,
                )
                .unwrap();
                e.data
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(Lenient::ok)
                    .map(|h| convert::homework(&h, "1001"))
                    .collect::<Vec<_>>()
                    .len()
            }),
        ),
    ];
    (bytes, decoders)
}

/// The behaviour (activity) body and its decoders.
fn behaviour() -> (Vec<u8>, Vec<(&'static str, Decoder)>) {
    let bytes = body(
        &mis_sandbox::emulator::classcharts::EMULATOR,
        "activity",
        "/data",
        RECORDS,
    );
    let zone = jiff::tz::TimeZone::get("Europe/London").expect("the school's zone");
    let decoders: Vec<(&'static str, Decoder)> = vec![
        (
            "typed_serde",
            Box::new(|bytes| {
                serde_json::from_slice::<typed::Body<typed::ActivityPoint, typed::ActivityMeta>>(
                    bytes,
                )
                .unwrap()
                .data
                .len()
            }),
        ),
        (
            "typed_serde_str",
            Box::new(|bytes| {
                serde_json::from_str::<typed::Body<typed::ActivityPoint, typed::ActivityMeta>>(
                    std::str::from_utf8(bytes).unwrap(),
                )
                .unwrap()
                .data
                .len()
            }),
        ),
        (
            "wire_decode",
            Box::new(|bytes| {
                mis_http::decode_json::<Envelope<Vec<ActivityPoint>, ActivityMeta>>(
                    "classcharts",
                    "activity",
                    bytes,
                )
                .unwrap()
                .data
                .map_or(0, |d| d.len())
            }),
        ),
        (
            "wire_lenient",
            Box::new(|bytes| {
                Envelope::<Vec<Lenient<ActivityPoint>>, ActivityMeta>::decode_list(
                    "activity", bytes,
                )
                .unwrap()
                .data
                .map_or(0, |d| {
                    d.iter().filter(|p| matches!(p, Lenient::Ok(_))).count()
                })
            }),
        ),
        (
            "wire_per_record",
            Box::new(|bytes| {
                mis_http::decode_json::<Envelope<Vec<Lenient<ActivityPoint>>, ActivityMeta>>(
                    "classcharts",
                    "activity",
                    bytes,
                )
                .unwrap()
                .data
                .map_or(0, |d| {
                    d.iter().filter(|p| matches!(p, Lenient::Ok(_))).count()
                })
            }),
        ),
        (
            "wire_convert",
            Box::new(move |bytes| {
                let e = Envelope::<Vec<Lenient<ActivityPoint>>, ActivityMeta>::decode_list(
                    "activity", bytes,
                )
                .unwrap();
                e.data
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(Lenient::ok)
                    .enumerate()
                    .filter_map(|(i, p)| convert::event(&p, i, "1001", &zone).unwrap())
                    .collect::<Vec<_>>()
                    .len()
            }),
        ),
    ];
    (bytes, decoders)
}

/// Registers a body's decoders in its group, after checking that each reads every record
/// (or the comparison would be of different work).
fn bench_group(c: &mut Criterion, name: &str, (bytes, decoders): (Vec<u8>, Vec<(&str, Decoder)>)) {
    for (function, decode) in &decoders {
        assert_eq!(decode(&bytes), RECORDS, "{name}/{function}");
    }
    let mut g = group(c, name, &bytes);
    for (function, decode) in &decoders {
        g.bench_function(*function, |b| b.iter(|| decode(black_box(&bytes))));
    }
    g.finish();
}

fn main() {
    // `MIS_DECODE_REPEAT=homeworks/typed_serde:20`: that decoder 20 times and nothing else,
    // for a profiler (the difference of two counts under callgrind is the per-run cost).
    if let Ok(spec) = std::env::var("MIS_DECODE_REPEAT") {
        let (target, times) = spec.split_once(':').expect("GROUP/FUNCTION:TIMES");
        let (group, function) = target.split_once('/').expect("GROUP/FUNCTION:TIMES");
        let (bytes, decoders) = match group {
            "homeworks" => homeworks(),
            "behaviour" => behaviour(),
            _ => panic!("groups: homeworks, behaviour"),
        };
        let (_, decode) = decoders
            .iter()
            .find(|(name, _)| *name == function)
            .expect("a decoder of the group");
        for _ in 0..times.parse::<usize>().expect("a count") {
            black_box(decode(black_box(&bytes)));
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    students(&mut c);
    bench_group(&mut c, "classcharts/homeworks", homeworks());
    bench_group(&mut c, "classcharts/behaviour", behaviour());
    c.final_summary();
}

//! Per-school settings reach the vendor: a ManageBac school's `category_map` in the sync
//! config overrides how its own attendance categories are counted.

mod sync_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use mis_cli::sync::{SyncConfig, sync};
use mis_sandbox::{Profile, School, SchoolOptions};
use sync_support::{start, temp_path};

async fn categories(db: &std::path::Path) -> BTreeMap<String, i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT category, COUNT(*) FROM attendance_marks WHERE code = '3' GROUP BY category",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managebac_category_map_in_the_sync_config_is_applied() {
    // The variant school uses the document's tenant categories: 3 = "Dress Code".
    let school = Arc::new(School::generate_with(
        41,
        20,
        SchoolOptions::new().profile(Profile::Variant),
    ));
    let mut env = BTreeMap::new();
    let sandbox = start(
        &mis_sandbox::emulator::managebac::EMULATOR,
        school.clone(),
        "OAK",
        &mut env,
    )
    .await;
    let config = |extra: &str| {
        SyncConfig::parse(&format!(
            "from = \"2024-09-02\"\nto = \"2024-09-13\"\n\n[[school]]\nname = \"Oak\"\n\
             provider = \"managebac\"\nbase_url = \"{}\"\nquota = \"1000/1\"\n\
             credentials = {{ token = \"OAK_TOKEN\" }}\nbell_times = \"{}\"\n{extra}",
            sandbox.base_url(),
            mis_cli::demo::bell_times(&school)
        ))
        .unwrap()
    };
    let lookup = |name: &str| env.get(name).cloned();
    let plain = temp_path("settings-plain.sqlite");
    let report = sync(&config(""), &format!("sqlite:{}", plain.display()), &lookup)
        .await
        .unwrap();
    assert_eq!(report.failed(), 0);
    let mapped = temp_path("settings-mapped.sqlite");
    let report = sync(
        &config("category_map = \"Dress Code=not_counted\"\n"),
        &format!("sqlite:{}", mapped.display()),
        &lookup,
    )
    .await
    .unwrap();
    assert_eq!(report.failed(), 0);

    let (before, after) = (categories(&plain).await, categories(&mapped).await);
    let dress_code: i64 = before.values().sum();
    assert!(
        dress_code > 0,
        "the variant school has Dress Code marks: {before:?}"
    );
    assert_eq!(
        before.get("present"),
        Some(&dress_code),
        "by default a dress-code note is present"
    );
    assert_eq!(
        after.get("not_counted"),
        Some(&dress_code),
        "the school's mapping wins: {after:?}"
    );
    for p in [&plain, &mapped] {
        let _ = std::fs::remove_file(p);
    }
}

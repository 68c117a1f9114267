//! The seeds parser never panics: any bytes give cities or line-numbered problems.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut text =
        b"id,name,province,tier,region,portal,housing,education,transport,health,environment\n"
            .to_vec();
    text.extend_from_slice(data);
    match portal_audit::seeds::parse(&text, std::path::Path::new("fuzz.csv")) {
        Ok(cities) => assert!(cities.iter().all(|c| !c.id.is_empty())),
        Err(e) => assert!(!e.problems.is_empty()),
    }
    let _ = portal_audit::seeds::parse(data, std::path::Path::new("raw.csv"));
});

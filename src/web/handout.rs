//! The client handout: a print-ready page and a plain-text version, in English or Spanish.
//!
//! A clinician picks up to [`MAX_HANDOUT_ITEMS`] services, each at one of its
//! locations, and gives the client a page ([`handout_page`]) or a message to
//! paste into a text or an email ([`handout_text`]). Both are pure functions of
//! the listings, the language and the time; the route that loads the listings
//! and checks the request (`GET /handout`) lives in `web::referrals`.
//!
//! Only Hearth's own labels are translated. What a listing says (its name,
//! address, eligibility, how to apply) is shown as the source wrote it, and
//! the Spanish page says so. The weekly hours lines come from
//! [`crate::hours::summary`], which writes English only.
//!
//! The page links its own print stylesheet, [`HANDOUT_STYLESHEET`], served at
//! `/static/handout.css` under the site's Content-Security-Policy.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, html};

use super::views::PhoneLink;
use crate::hours;
use crate::model::{Lang, Location, Phone, Service, ServiceStatus};

/// The most services one handout lists: five fit on one printed Letter page.
pub const MAX_HANDOUT_ITEMS: usize = 5;

/// The width plain-text lines are wrapped to (a long word, such as a URL, may exceed it).
const TEXT_WIDTH: usize = 80;

/// The handout's stylesheet (served at `/static/handout.css`): compact on
/// screen, one Letter page in print.
pub const HANDOUT_STYLESHEET: &str = include_str!("handout.css");

/// One chosen service, at the location the clinician chose for it (none for a
/// service without a place, such as a hotline).
#[derive(Debug, Clone, Copy)]
pub struct HandoutItem<'a> {
    pub service: &'a Service,
    pub location: Option<&'a Location>,
}

/// Hearth's words on the handout, in one language.
struct Labels {
    lang: &'static str,
    title: &'static str,
    printed: &'static str,
    months: [&'static str; 12],
    source_note: Option<&'static str>,
    print_hint: &'static str,
    nothing_chosen: &'static str,
    left_out: fn(usize) -> String,
    address: &'static str,
    approximate: &'static str,
    getting_there: &'static str,
    phone: &'static str,
    website: &'static str,
    hours: &'static str,
    confirm_hours: &'static str,
    no_hours: &'static str,
    who_can_go: &'static str,
    how_to_apply: &'static str,
    what_to_bring: &'static str,
    cost: &'static str,
    note: &'static str,
    temporarily_closed: &'static str,
    not_active: &'static str,
    more_help: &'static str,
}

const EN: Labels = Labels {
    lang: "en",
    title: "Services for you",
    printed: "Printed",
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    source_note: None,
    print_hint: "To print this page, use your browser’s Print command.",
    nothing_chosen: "No services were chosen for this handout.",
    left_out: |n| match n {
        1 => format!("1 more service was left out: a handout lists at most {MAX_HANDOUT_ITEMS}."),
        n => {
            format!("{n} more services were left out: a handout lists at most {MAX_HANDOUT_ITEMS}.")
        }
    },
    address: "Address",
    approximate: "Approximate location",
    getting_there: "Getting there",
    phone: "Phone",
    website: "Website",
    hours: "Hours",
    confirm_hours: "Call first to confirm hours",
    no_hours: "Hours not listed — call first",
    who_can_go: "Who can go",
    how_to_apply: "How to apply",
    what_to_bring: "What to bring",
    cost: "Cost",
    note: "Note",
    temporarily_closed: "Listed as temporarily closed — call first",
    not_active: "Listed as no longer active — call first",
    more_help: "Call 211 for more help",
};

const ES: Labels = Labels {
    lang: "es",
    title: "Servicios para usted",
    printed: "Impreso el",
    months: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
    ],
    source_note: Some("Los datos del servicio aparecen como los publica la fuente."),
    print_hint: "Para imprimir esta página, use el comando Imprimir del navegador.",
    nothing_chosen: "No se eligió ningún servicio para esta hoja.",
    left_out: |n| match n {
        1 => format!("Se omitió 1 servicio más: la hoja incluye como máximo {MAX_HANDOUT_ITEMS}."),
        n => format!(
            "Se omitieron {n} servicios más: la hoja incluye como máximo {MAX_HANDOUT_ITEMS}."
        ),
    },
    address: "Dirección",
    approximate: "Ubicación aproximada",
    getting_there: "Cómo llegar",
    phone: "Teléfono",
    website: "Sitio web",
    hours: "Horario",
    confirm_hours: "Llame antes para confirmar el horario",
    no_hours: "Horario no disponible — llame antes",
    who_can_go: "Quién puede ir",
    how_to_apply: "Cómo solicitar",
    what_to_bring: "Qué llevar",
    cost: "Costo",
    note: "Aviso",
    temporarily_closed: "Figura como cerrado temporalmente — llame antes",
    not_active: "Figura como inactivo — llame antes",
    more_help: "Llame al 211 para más ayuda",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    }
}

/// "28 Nov 2026" / "28 nov 2026".
fn format_date(date: NaiveDate, labels: &Labels) -> String {
    let month = labels
        .months
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{} {month} {}", date.day(), date.year())
}

/// What one service block shows, gathered once for the page and the text.
struct Entry<'a> {
    name: &'a str,
    organization: Option<&'a str>,
    /// The location's own name, when it adds something to the service's.
    place: Option<&'a str>,
    address: Option<String>,
    approximate: bool,
    transportation: Option<&'a str>,
    phones: Vec<&'a Phone>,
    website: Option<&'a str>,
    /// Hearth's status warning, when the listing is not active.
    status: Option<&'static str>,
    alert: Option<&'a str>,
    /// The weekly summary lines (empty when the listing gives no hours).
    hours: Vec<String>,
    /// Source text under a Hearth label: who can go, how to apply, cost.
    facts: Vec<(&'static str, &'a str)>,
}

fn non_blank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

impl<'a> Entry<'a> {
    fn of(item: &HandoutItem<'a>, labels: &Labels) -> Entry<'a> {
        let (service, location) = (item.service, item.location);
        let name = service.name.trim();
        let organization = non_blank(Some(&service.organization.name))
            .filter(|org| !org.eq_ignore_ascii_case(name));
        let place = location
            .and_then(|l| non_blank(l.name.as_deref()))
            .filter(|p| !p.eq_ignore_ascii_case(name) && Some(*p) != organization);
        let address = location
            .and_then(|l| l.address.as_ref())
            .map(|a| a.one_line())
            .filter(|a| !a.is_empty());
        let mut phones: Vec<&Phone> = Vec::new();
        let listed = service
            .phones
            .iter()
            .chain(location.into_iter().flat_map(|l| l.phones.iter()));
        for phone in listed {
            let same = |p: &&Phone| p.number == phone.number && p.extension == phone.extension;
            if !phone.is_fax() && !phone.number.trim().is_empty() && !phones.iter().any(same) {
                phones.push(phone);
            }
        }
        // With no place chosen, the service may still be reached at one of its locations.
        if phones.is_empty() && location.is_none() {
            phones.extend(service.primary_phone());
        }
        let status = match service.status {
            ServiceStatus::Active => None,
            ServiceStatus::TemporarilyClosed => Some(labels.temporarily_closed),
            ServiceStatus::Inactive | ServiceStatus::Defunct => Some(labels.not_active),
        };
        let mut facts: Vec<(&'static str, &'a str)> = [
            (labels.who_can_go, &service.eligibility_description),
            (labels.how_to_apply, &service.application_process),
            (labels.cost, &service.fees_description),
        ]
        .into_iter()
        .filter_map(|(label, text)| non_blank(text.as_deref()).map(|t| (label, t)))
        .collect();
        // HSDS `required_documents`, kept as `required_document` attributes.
        facts.extend(
            service
                .attributes
                .iter()
                .filter(|a| a.tag == "required_document")
                .filter_map(|a| non_blank(Some(&a.value)))
                .map(|doc| (labels.what_to_bring, doc)),
        );
        Entry {
            name,
            organization,
            place,
            address,
            approximate: location.is_some_and(|l| l.approximate),
            transportation: location.and_then(|l| non_blank(l.transportation.as_deref())),
            phones,
            website: service.safe_url().map(str::trim),
            status,
            alert: non_blank(service.alert.as_deref()),
            hours: hours::summary(&hours::listing_hours_at(service, location)),
            facts,
        }
    }
}

/// The whole handout, ready to render either way.
struct Handout<'a> {
    labels: &'static Labels,
    date: String,
    entries: Vec<Entry<'a>>,
    left_out: usize,
}

impl<'a> Handout<'a> {
    fn new(items: &[HandoutItem<'a>], lang: Lang, now: DateTime<Utc>) -> Handout<'a> {
        let labels = labels(lang);
        // The date where the client will use it: the first chosen place's zone.
        let zone = hours::zone_of(items.first().and_then(|i| i.location));
        let date = format_date(now.with_timezone(&zone).date_naive(), labels);
        Handout {
            labels,
            date,
            entries: items
                .iter()
                .take(MAX_HANDOUT_ITEMS)
                .map(|item| Entry::of(item, labels))
                .collect(),
            left_out: items.len().saturating_sub(MAX_HANDOUT_ITEMS),
        }
    }
}

/// Source text with its line breaks kept (blank lines dropped, to stay compact).
fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn text_with_breaks(text: &str) -> Markup {
    html! { @for (i, line) in lines_of(text).enumerate() { @if i > 0 { br; } (line) } }
}

fn service_block(number: usize, e: &Entry<'_>, labels: &Labels) -> Markup {
    html! {
        li.service {
            div.head {
                h2 { (number) ". " (e.name) }
                @if let Some(org) = e.organization { p.org { (org) } }
            }
            @if let Some(status) = e.status { p.alert { (status) } }
            @if let Some(alert) = e.alert { p.alert { (labels.note) ": " (text_with_breaks(alert)) } }
            div.cols {
                div.where {
                    @if e.place.is_some() || e.address.is_some() || e.approximate {
                        p {
                            @if let Some(place) = e.place { (place) @if e.address.is_some() { " — " } }
                            @if let Some(address) = &e.address { (address) }
                            @if e.approximate { " " span.approx { (labels.approximate) } }
                        }
                    }
                    @if let Some(t) = e.transportation { p { b { (labels.getting_there) ":" } " " (text_with_breaks(t)) } }
                    @if !e.phones.is_empty() || e.website.is_some() {
                        p {
                            @if !e.phones.is_empty() {
                                span.contact {
                                    b { (labels.phone) ":" } " "
                                    @for (i, phone) in e.phones.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        (PhoneLink(phone))
                                    }
                                }
                            }
                            @if !e.phones.is_empty() && e.website.is_some() { " " }
                            @if let Some(url) = e.website {
                                span.contact { b { (labels.website) ":" } " " a href=(url) rel="noopener noreferrer" { (url) } }
                            }
                        }
                    }
                }
                div.hours {
                    @if e.hours.is_empty() {
                        p { b { (labels.no_hours) } }
                    } @else {
                        p {
                            b { (labels.hours) ":" }
                            @for (i, line) in e.hours.iter().enumerate() { @if i > 0 { br; } " " (line) }
                        }
                        p { i { (labels.confirm_hours) } }
                    }
                }
            }
            @if !e.facts.is_empty() {
                div.facts {
                    @for (label, text) in &e.facts { p { b { (label) ":" } " " (text_with_breaks(text)) } }
                }
            }
        }
    }
}

/// The handout as a full HTML document that prints on one Letter page: no
/// script, and nothing loaded but its print stylesheet, linked from this site
/// (`/static/handout.css`, so the Content-Security-Policy needs no inline styles).
///
/// Lists the first [`MAX_HANDOUT_ITEMS`] items and says how many were left out;
/// with no items it says that nothing was chosen. `now` dates the page, in the
/// time zone of the first item's location.
pub fn handout_page(items: &[HandoutItem<'_>], lang: Lang, now: DateTime<Utc>) -> Markup {
    let handout = Handout::new(items, lang, now);
    let labels = handout.labels;
    html! {
        (DOCTYPE)
        html lang=(labels.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (labels.title) }
                link rel="stylesheet" href="/static/handout.css";
            }
            body {
                header {
                    h1 { (labels.title) }
                    p.date { (labels.printed) " " (handout.date) }
                }
                @if let Some(note) = labels.source_note { p.source-note { (note) } }
                p.hint.screen-only { (labels.print_hint) }
                main {
                    @if handout.entries.is_empty() {
                        p.empty { (labels.nothing_chosen) }
                    } @else {
                        ol.services {
                            @for (i, e) in handout.entries.iter().enumerate() { (service_block(i + 1, e, labels)) }
                        }
                    }
                    @if handout.left_out > 0 { p.left-out { ((labels.left_out)(handout.left_out)) } }
                }
                footer { p { (labels.more_help) } }
            }
        }
    }
}

/// Appends `text` wrapped to [`TEXT_WIDTH`], the first line after `first`, the
/// others after `rest` (an indent).
fn push_wrapped(out: &mut String, first: &str, rest: &str, text: &str) {
    let mut line = first.to_owned();
    let mut has_word = false;
    for word in text.split_whitespace() {
        let fits = line.chars().count() + 1 + word.chars().count() <= TEXT_WIDTH;
        if has_word && !fits {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_owned();
        } else if has_word {
            line.push(' ');
        }
        line.push_str(word);
        has_word = true;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The handout as plain text for a text message or an email: a block per
/// service, lines wrapped to 80 characters, with the same labels and limits
/// as [`handout_page`].
pub fn handout_text(items: &[HandoutItem<'_>], lang: Lang, now: DateTime<Utc>) -> String {
    const INDENT: &str = "   ";
    let handout = Handout::new(items, lang, now);
    let labels = handout.labels;
    let mut out = String::new();
    out.push_str(labels.title);
    out.push('\n');
    out.push_str(&format!("{} {}\n", labels.printed, handout.date));
    if let Some(note) = labels.source_note {
        push_wrapped(&mut out, "", "", note);
    }
    if handout.entries.is_empty() {
        out.push('\n');
        out.push_str(labels.nothing_chosen);
        out.push('\n');
    }
    let labelled = |out: &mut String, label: &str, text: &str| {
        let joined = lines_of(text).collect::<Vec<_>>().join(" ");
        push_wrapped(out, &format!("{INDENT}{label}: "), INDENT, &joined);
    };
    for (i, e) in handout.entries.iter().enumerate() {
        out.push('\n');
        push_wrapped(&mut out, &format!("{}. ", i + 1), INDENT, e.name);
        if let Some(org) = e.organization {
            push_wrapped(&mut out, INDENT, INDENT, org);
        }
        if let Some(status) = e.status {
            push_wrapped(&mut out, INDENT, INDENT, status);
        }
        if let Some(alert) = e.alert {
            labelled(&mut out, labels.note, alert);
        }
        let mut address = [e.place, e.address.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" — ");
        if e.approximate {
            address = format!("{address} ({})", labels.approximate);
        }
        if !address.trim().is_empty() {
            labelled(&mut out, labels.address, address.trim());
        }
        if let Some(t) = e.transportation {
            labelled(&mut out, labels.getting_there, t);
        }
        if !e.phones.is_empty() {
            let phones: Vec<String> = e
                .phones
                .iter()
                .map(|p| match non_blank(p.extension.as_deref()) {
                    Some(ext) => format!("{} ext. {ext}", p.number.trim()),
                    None => p.number.trim().to_owned(),
                })
                .collect();
            labelled(&mut out, labels.phone, &phones.join(", "));
        }
        if let Some(url) = e.website {
            labelled(&mut out, labels.website, url);
        }
        if e.hours.is_empty() {
            push_wrapped(&mut out, INDENT, INDENT, labels.no_hours);
        } else {
            labelled(&mut out, labels.hours, &e.hours.join("; "));
            push_wrapped(&mut out, INDENT, INDENT, labels.confirm_hours);
        }
        for (label, text) in &e.facts {
            labelled(&mut out, label, text);
        }
    }
    if handout.left_out > 0 {
        out.push('\n');
        push_wrapped(&mut out, "", "", &(labels.left_out)(handout.left_out));
    }
    out.push('\n');
    out.push_str(labels.more_help);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{Address, Organization, Schedule};

    fn utc(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
            .single()
            .unwrap_or_default()
    }

    /// Saturday 28 Nov 2026, 11:00 in Miami.
    fn now() -> DateTime<Utc> {
        utc(28, 16, 0)
    }

    fn phone(number: &str, kind: Option<&str>) -> Phone {
        Phone {
            number: number.into(),
            kind: kind.map(Into::into),
            ..Phone::default()
        }
    }

    fn weekday_row(day: &str) -> Schedule {
        Schedule {
            freq: Some("WEEKLY".into()),
            byday: Some(day.into()),
            opens_at: Some("09:00".into()),
            closes_at: Some("17:00".into()),
            ..Schedule::default()
        }
    }

    /// A food pantry with weekly schedule rows, Monday to Friday 9 to 5.
    fn pantry() -> Service {
        Service {
            id: "test-pantry".into(),
            name: "Test Eastside Community Food Pantry".into(),
            organization: Organization {
                id: "test-org-1".into(),
                name: "Test Eastside Neighbors Inc.".into(),
                ..Organization::default()
            },
            url: Some("https://pantry.example.org/".into()),
            application_process: Some("Walk in.\nBring a photo ID and proof of address.".into()),
            eligibility_description: Some("Residents of ZIP codes 33125–33135.".into()),
            fees_description: Some("Free".into()),
            phones: vec![phone("(305) 555-0142", Some("voice"))],
            locations: vec![Location {
                id: "test-pantry-loc".into(),
                name: Some("Test Eastside Community Food Pantry".into()),
                transportation: Some(
                    "Metrobus 11 to NW 7th St & 27th Ave; entrance on the side street.".into(),
                ),
                latitude: Some(25.78),
                longitude: Some(-80.24),
                address: Some(Address {
                    address_1: "100 Example Avenue".into(),
                    city: "Miami".into(),
                    state_province: "FL".into(),
                    postal_code: "33125".into(),
                    country: "US".into(),
                    ..Address::default()
                }),
                phones: vec![phone("(305) 555-0199", Some("fax"))],
                schedules: ["MO", "TU", "WE", "TH", "FR"]
                    .into_iter()
                    .map(weekday_row)
                    .collect(),
                ..Location::default()
            }],
            ..Service::default()
        }
    }

    /// A clinic whose hours are the source's free text, at an approximate location.
    fn clinic() -> Service {
        Service {
            id: "test-clinic".into(),
            name: "Test Riverside Health Clinic".into(),
            organization: Organization {
                id: "test-org-2".into(),
                name: "Test Riverside Health Clinic".into(),
                website: Some("http://clinic.example.org".into()),
                ..Organization::default()
            },
            application_process: Some("Call for an appointment".into()),
            fees_description: Some("Sliding fee scale; Medicaid accepted.".into()),
            locations: vec![Location {
                id: "test-clinic-loc".into(),
                approximate: true,
                latitude: Some(25.76),
                longitude: Some(-80.20),
                address: Some(Address {
                    address_1: "200 Sample Street".into(),
                    address_2: Some("Suite 3".into()),
                    city: "Miami".into(),
                    state_province: "FL".into(),
                    postal_code: "33130".into(),
                    country: "US".into(),
                    ..Address::default()
                }),
                phones: vec![
                    Phone {
                        extension: Some("2".into()),
                        ..phone("(305) 555-0177", None)
                    },
                    phone("(305) 555-0178", Some("fax")),
                ],
                schedules: vec![Schedule {
                    description: Some("Mon-Thu 8:00am-4:30pm, Fri 8:00am-12:00pm".into()),
                    ..Schedule::default()
                }],
                ..Location::default()
            }],
            ..Service::default()
        }
    }

    fn items(services: &[Service]) -> Vec<HandoutItem<'_>> {
        services
            .iter()
            .map(|s| HandoutItem {
                service: s,
                location: s.locations.first(),
            })
            .collect()
    }

    /// The page with a line break between tags, so a snapshot reads like the page.
    fn readable(page: &str) -> String {
        page.replace("><", ">\n<")
    }

    fn page(services: &[Service], lang: Lang) -> String {
        handout_page(&items(services), lang, now()).into_string()
    }

    #[test]
    fn text_in_english() {
        let services = [pantry(), clinic()];
        insta::assert_snapshot!(handout_text(&items(&services), Lang::En, now()));
    }

    #[test]
    fn text_in_spanish() {
        let services = [pantry(), clinic()];
        insta::assert_snapshot!(handout_text(&items(&services), Lang::Es, now()));
    }

    #[test]
    fn page_in_english() {
        insta::assert_snapshot!(readable(&page(&[pantry(), clinic()], Lang::En)));
    }

    #[test]
    fn page_in_spanish() {
        insta::assert_snapshot!(readable(&page(&[pantry(), clinic()], Lang::Es)));
    }

    #[test]
    fn the_spanish_page_has_spanish_labels_and_no_english_ones() {
        let html = page(&[pantry(), clinic()], Lang::Es);
        assert!(html.contains(r#"<html lang="es">"#));
        for es in [
            "Servicios para usted",
            "Impreso el 28 nov 2026",
            "Ubicación aproximada",
            "Llame antes para confirmar el horario",
            "Llame al 211 para más ayuda",
            "Los datos del servicio aparecen como los publica la fuente.",
            "Cómo solicitar",
        ] {
            assert!(html.contains(es), "missing {es:?}");
        }
        for en in [
            "Services for you",
            "Printed",
            "Approximate location",
            "Call first",
            "Call 211",
            "How to apply",
            "Who can go",
            "Website",
            "Phone",
        ] {
            assert!(!html.contains(en), "English {en:?} on the Spanish page");
        }
        // The listing's own words are not translated.
        assert!(html.contains("Call for an appointment"));
    }

    #[test]
    fn hours_not_listed_say_call_first() {
        let mut s = pantry();
        s.locations[0].schedules.clear();
        assert!(page(std::slice::from_ref(&s), Lang::En).contains("Hours not listed — call first"));
        assert!(
            handout_text(&items(&[s]), Lang::Es, now())
                .contains("Horario no disponible — llame antes")
        );
    }

    #[test]
    fn a_fax_number_is_never_a_tel_link_or_listed() {
        let services = [pantry(), clinic()];
        for lang in [Lang::En, Lang::Es] {
            let html = page(&services, lang);
            let text = handout_text(&items(&services), lang, now());
            for fax in ["3055550199", "3055550178"] {
                assert!(!html.contains(&format!("tel:+1{fax}")), "{fax} linked");
            }
            for fax in ["555-0199", "555-0178"] {
                assert!(!html.contains(fax) && !text.contains(fax), "{fax} shown");
            }
            assert!(html.contains(r#"href="tel:+13055550142""#));
            assert!(html.contains(r#"href="tel:+13055550177;ext=2""#));
        }
    }

    #[test]
    fn a_javascript_url_is_never_a_link() {
        let mut s = pantry();
        s.url = Some("javascript:alert(1)".into());
        s.organization.website = Some(" JavaScript:alert(2)".into());
        let html = page(std::slice::from_ref(&s), Lang::En);
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(!handout_text(&items(&[s]), Lang::En, now()).contains("alert("));
    }

    #[test]
    fn approximate_locations_are_marked() {
        let services = [pantry(), clinic()];
        let html = page(&services, Lang::En);
        assert_eq!(html.matches("Approximate location").count(), 1);
        let text = handout_text(&items(&services), Lang::Es, now());
        assert!(text.contains("200 Sample Street Suite 3, Miami, FL 33130 (Ubicación"));
        let exact = page(&[pantry()], Lang::En);
        assert!(!exact.contains("Approximate location"));
    }

    #[test]
    fn more_than_five_are_cut_to_five_with_a_note() {
        let services: Vec<Service> = (1..=7)
            .map(|n| Service {
                name: format!("Test service {n}"),
                ..pantry()
            })
            .collect();
        let html = page(&services, Lang::En);
        assert_eq!(
            html.matches(r#"class="service""#).count(),
            MAX_HANDOUT_ITEMS
        );
        assert!(html.contains("Test service 5") && !html.contains("Test service 6"));
        assert!(html.contains("2 more services were left out: a handout lists at most 5."));
        let text = handout_text(&items(&services), Lang::Es, now());
        assert!(text.contains("Test service 5") && !text.contains("Test service 6"));
        assert!(text.contains("Se omitieron 2 servicios más"));
        let six = page(&services[..6], Lang::Es);
        assert!(six.contains("Se omitió 1 servicio más"));
    }

    #[test]
    fn five_or_fewer_are_all_listed_without_a_note() {
        let services: Vec<Service> = (1..=5).map(|_| clinic()).collect();
        let html = page(&services, Lang::En);
        assert_eq!(html.matches(r#"class="service""#).count(), 5);
        assert!(!html.contains("left out"));
    }

    #[test]
    fn names_are_escaped() {
        let mut s = pantry();
        s.name = "<script>alert('x')</script> Pantry".into();
        s.organization.name = "Org <img src=x onerror=alert(1)>".into();
        let html = page(std::slice::from_ref(&s), Lang::En);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;img src=x"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn nothing_chosen_is_a_page_that_says_so() {
        let html = handout_page(&[], Lang::En, now()).into_string();
        assert!(html.contains("No services were chosen for this handout."));
        assert!(!html.contains(r#"class="service""#));
        let text = handout_text(&[], Lang::Es, now());
        assert!(text.contains("No se eligió ningún servicio para esta hoja."));
    }

    #[test]
    fn the_page_loads_only_its_own_print_stylesheet() {
        let html = page(&[pantry(), clinic()], Lang::En);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("<link").count(), 1);
        assert!(html.contains(r#"<link rel="stylesheet" href="/static/handout.css">"#));
        assert!(HANDOUT_STYLESHEET.contains("@media print"));
        assert!(HANDOUT_STYLESHEET.contains("break-inside: avoid"));
        for outside in ["<script", "<style", "<img", "src=", "onclick"] {
            assert!(!html.contains(outside), "{outside}");
        }
    }

    #[test]
    fn text_lines_fit_in_80_characters() {
        let mut s = clinic();
        s.eligibility_description = Some("Adults 18 and over who live in Miami-Dade County and have no health insurance, or whose insurance does not cover primary care; children are seen at the pediatric site.".into());
        let text = handout_text(&items(&[pantry(), s]), Lang::En, now());
        for line in text.lines() {
            assert!(line.chars().count() <= TEXT_WIDTH, "{line:?}");
        }
        assert!(!text.contains('<'));
    }

    #[test]
    fn the_date_is_the_day_where_the_first_place_is() {
        // 23:30 on Friday in Miami is already Saturday in UTC.
        let late = utc(28, 4, 30);
        let html = handout_page(&items(&[pantry()]), Lang::En, late).into_string();
        assert!(html.contains("Printed 27 Nov 2026"), "{html}");
    }

    #[test]
    fn dates_are_written_without_a_locale_library() {
        let date = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
        assert_eq!(format_date(date, &EN), "5 Jan 2026");
        assert_eq!(format_date(date, &ES), "5 ene 2026");
    }

    #[test]
    fn required_documents_are_what_to_bring_in_both_languages() {
        let mut service = pantry();
        service.attributes.push(crate::model::Attribute {
            tag: "required_document".into(),
            value: "Photo ID and proof of address".into(),
        });
        let item = [HandoutItem {
            service: &service,
            location: service.locations.first(),
        }];
        let english = handout_text(&item, Lang::En, now());
        assert!(english.contains("What to bring"), "{english}");
        assert!(english.contains("Photo ID and proof of address"));
        let spanish = handout_page(&item, Lang::Es, now()).into_string();
        assert!(spanish.contains("Qué llevar"), "{spanish}");
    }
}

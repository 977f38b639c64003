//! Examples are real: eligibility, fee and accessibility text from the bundled
//! data (the Miami 211 `eligibility.csv`, which names no service and so is not
//! joined to any listing, and `accessibility_for_disabilities.csv`), names from
//! the national lists, and the HSDS 3.0 specification's example service where
//! the bundled data has no such field (fees, cost options).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use super::*;
use crate::geo::Gazetteer;
use crate::import::{CategoryMap, ImportContext, ParsedSource, bundled_sources, read_source};
use crate::model::{Attribute, CostOption, SourceRef, clean_text};

fn listing(dataset: &str, name: &str) -> Service {
    Service {
        name: name.into(),
        source: SourceRef {
            dataset: dataset.into(),
            id: "1".into(),
        },
        ..Service::default()
    }
}

fn term(taxonomy: &str, code: &str, name: &str) -> TaxonomyTerm {
    TaxonomyTerm {
        code: code.into(),
        name: name.into(),
        taxonomy: taxonomy.into(),
    }
}

/// A Miami listing with these AIRS codes (names as in the Miami taxonomy.csv).
fn airs(codes: &[(&str, &str)]) -> Service {
    Service {
        taxonomy_terms: codes.iter().map(|(c, n)| term("airs", c, n)).collect(),
        ..listing("miami-211-2019", "SERVICE")
    }
}

/// A listing whose eligibility is `text` as the Miami file writes it (literal `\n`).
fn eligible(text: &str) -> Service {
    Service {
        eligibility_description: clean_text(text),
        ..listing("miami-211-2019", "SERVICE")
    }
}

fn slugs(service: &Service) -> Vec<&'static str> {
    populations(service)
        .into_iter()
        .map(Population::slug)
        .collect()
}

fn ages(text: &str) -> (Option<u32>, Option<u32>) {
    let range = age_range(&eligible(text));
    (range.min, range.max)
}

fn attribute(tag: &str, value: &str) -> Attribute {
    Attribute {
        tag: tag.into(),
        value: value.into(),
    }
}

fn fees(text: &str) -> Service {
    Service {
        fees_description: Some(text.into()),
        ..listing("example", "Community Counselling")
    }
}

fn location(notes: &[&str]) -> Location {
    Location {
        accessibility: notes.iter().map(|n| (*n).to_owned()).collect(),
        ..Location::default()
    }
}

// --- The rules file ----------------------------------------------------------

#[test]
fn bundled_population_rules_parse() {
    let rules = PopulationRules::parse(RULES_FILE, RULES_TEXT).unwrap_or_else(|e| panic!("{e}"));
    assert!(PopulationRules::bundled().is_ok());
    for p in Population::ALL {
        assert!(
            rules.rules.iter().any(|r| r.population == Some(p)),
            "no rule gives {}",
            p.slug()
        );
    }
}

#[test]
fn a_bad_rule_is_an_error_that_names_its_line() {
    let header = "population,source,scope,match,pattern,note\n";
    for (row, problem) in [
        ("pirates,name,,phrase,arr,", "unknown population"),
        ("veterans,names,,phrase,vets,", "unknown source"),
        ("veterans,name,,prefix,YN,", "does not take match"),
        ("*,name,,phrase,vets,", "only for not and code-only"),
        ("veterans,name,,phrase,,", "empty"),
        ("youth,age,,max-at-most,old,", "not an age"),
        ("veterans,dataset,va,all,va-facilities,", "no scope"),
        ("veterans,name,,phrase,*,", "only for not rows"),
    ] {
        let text = format!("{header}# a comment\nveterans,name,,phrase,vets,\n{row}\n");
        let err = PopulationRules::parse("rules.csv", &text)
            .err()
            .unwrap_or_else(|| panic!("{row:?} was accepted"));
        assert!(err.message.contains(problem), "{row:?}: {err}");
        assert_eq!(err.line, 4, "{row:?}: {err}");
        assert!(err.to_string().starts_with("rules.csv, line 4:"), "{err}");
    }
    let wrong_header = PopulationRules::parse("rules.csv", "population,source\n");
    assert!(wrong_header.is_err());
}

// --- Population names --------------------------------------------------------

#[test]
fn populations_parse_from_slug_labels_and_synonyms() {
    for p in Population::ALL {
        assert_eq!(Population::parse(p.slug()), Some(p));
        assert_eq!(Population::parse(p.label()), Some(p));
        assert_eq!(Population::parse(p.label_es()), Some(p));
        let json = serde_json::to_string(&p).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", p.slug()));
    }
    for (text, p) in [
        ("vets", Population::Veterans),
        ("Veteranos", Population::Veterans),
        ("teens", Population::Youth),
        ("jóvenes", Population::Youth),
        ("JOVENES", Population::Youth),
        ("elderly", Population::Seniors),
        ("Older Adults", Population::Seniors),
        ("personas mayores", Population::Seniors),
        ("DV", Population::DomesticViolence),
        ("domestic_violence", Population::DomesticViolence),
        ("LGBTQ+", Population::Lgbtq),
        ("refugees", Population::Immigrants),
        ("unhoused", Population::Homeless),
        ("sin hogar", Population::Homeless),
        ("disabled", Population::Disabilities),
        ("Low Income", Population::LowIncome),
        ("mujeres", Population::Women),
        ("re-entry", Population::Reentry),
        ("returning citizens", Population::Reentry),
    ] {
        assert_eq!(Population::parse(text), Some(p), "{text}");
    }
    assert_eq!(Population::parse("pirates"), None);
    assert_eq!(Population::parse(""), None);
    assert_eq!(Population::parse("--"), None);
}

// --- Populations: taxonomy ---------------------------------------------------

#[test]
fn airs_target_population_codes_give_populations() {
    let vet_center = airs(&[
        ("YN-9000", "Veterans"),
        ("YN-9000.9000", "Vietnam Era Veterans"),
        ("YJ-2050.2090", "Families of Veterans"),
    ]);
    assert_eq!(slugs(&vet_center), vec!["veterans"]);
    let lodge = airs(&[
        ("YJ-2075.1500", "Children of Abused Women/Men"),
        ("YX-0300.0125", "Abused Gays/Lesbians"),
        ("YX-0300.0150", "Abused Men"),
        ("YZ-1750", "Domestic Violence Issues"),
        ("YX-0300.0190", "Abused Women"),
    ]);
    // Children of Abused Women/Men names women, but is read by its code alone.
    assert_eq!(
        slugs(&lodge),
        vec!["youth", "domestic-violence", "lgbtq", "women"]
    );
    let refugees = airs(&[("YE-7000", "Refugees/Entrants/Asylees")]);
    assert_eq!(slugs(&refugees), vec!["immigrants"]);
    let ex_offenders = airs(&[("YJ-2030", "Ex-Offenders")]);
    assert_eq!(slugs(&ex_offenders), vec!["reentry"]);
    let low_income = airs(&[("YL-3300.4500", "Low Income")]);
    assert_eq!(slugs(&low_income), vec!["low-income"]);
}

/// 211 Miami tags every age group a service takes: a service tagged Youth and
/// Adults is for everyone, not a youth service.
#[test]
fn age_group_codes_count_only_when_the_service_is_confined_to_them() {
    let after_school = airs(&[
        ("YB-9500.1500-630", "Preadolescent Children"),
        ("YB-9500.1500-680", "Primary School Age Children"),
        ("YG-8000.1900", "Elementary School Students"),
        (
            "YJ-8750.1500",
            "Children and Youth With Disabilities/Health Conditions",
        ),
    ]);
    assert_eq!(
        slugs(&after_school),
        vec!["youth"],
        "not disabilities either"
    );
    let therapy = airs(&[
        ("YB-0500", "Adults"),
        ("YB-8000", "Older Adults"),
        ("YB-9000", "Young Adults"),
        ("YB-9500.0500", "Adolescents"),
        ("YB-9500.1500-630", "Preadolescent Children"),
    ]);
    assert!(slugs(&therapy).is_empty(), "{:?}", slugs(&therapy));
    let youth_and_young_adults =
        airs(&[("YB-9000", "Young Adults"), ("YB-9500.0500", "Adolescents")]);
    assert_eq!(slugs(&youth_and_young_adults), vec!["youth"]);
    let senior_center = airs(&[("YB-8000", "Older Adults")]);
    assert_eq!(slugs(&senior_center), vec!["seniors"]);
    let all_adults = airs(&[("YB-0500", "Adults"), ("YB-8000", "Older Adults")]);
    assert!(slugs(&all_adults).is_empty());
    // A women's shelter tagged with the ages of the children who come with them.
    let womens_lodge = airs(&[
        ("YB-9500.1500-650", "Preschool Age Children"),
        ("YV-3000.7500", "Homeless Women"),
        ("YX-0300.0190", "Abused Women"),
    ]);
    assert_eq!(
        slugs(&womens_lodge),
        vec!["domestic-violence", "homeless", "women"]
    );
    // Frail Elderly is a situation, not an age group: it counts with Adults too.
    let home_health = airs(&[
        ("YF-2000", "Frail Elderly"),
        ("YB-0500", "Adults"),
        ("YB-8000", "Older Adults"),
    ]);
    assert_eq!(slugs(&home_health), vec!["seniors"]);
}

#[test]
fn term_names_give_populations() {
    let shelter = airs(&[("BH-1800.1500-100", "Domestic Violence Shelters")]);
    assert_eq!(slugs(&shelter), vec!["domestic-violence"]);
    let senior_center = airs(&[("TC-5500.8000", "Senior Centers")]);
    assert_eq!(slugs(&senior_center), vec!["seniors"]);
    let lgbt = airs(&[(
        "PN-8100.4500-240",
        "Gay/Lesbian/Bisexual/Transgender Support Groups",
    )]);
    assert_eq!(slugs(&lgbt), vec!["lgbtq"]);
    let helpline = airs(&[("RP-1500.1400-700", "Runaway/Homeless Youth Helplines")]);
    assert_eq!(slugs(&helpline), vec!["youth", "homeless"]);
    let visa = airs(&[(
        "FT-3600.3300",
        "Immigrant Visa Application Filing Assistance",
    )]);
    assert_eq!(slugs(&visa), vec!["immigrants"]);
    let reentry = airs(&[("FF-1900", "Ex-Offender Reentry Programs")]);
    assert_eq!(slugs(&reentry), vec!["reentry"]);
    let ssdi = airs(&[("NS-1800.8000", "Social Security Disability Insurance")]);
    assert_eq!(slugs(&ssdi), vec!["disabilities"]);
    // Open Eligibility human situations, given by name.
    let oe = Service {
        taxonomy_terms: [
            "Veterans",
            "Low-Income",
            "LGBTQ",
            "Seniors",
            "Near Homeless",
        ]
        .iter()
        .map(|n| term("open-eligibility", n, n))
        .collect(),
        ..listing("some-211", "X")
    };
    assert_eq!(
        slugs(&oe),
        vec!["veterans", "seniors", "lgbtq", "low-income"]
    );
}

#[test]
fn term_names_that_are_not_about_who_is_served_give_nothing() {
    for (code, name) in [
        ("PX-2300.3100", "Homeless Shelter Volunteer Opportunities"),
        ("LT-3400.0100", "Adolescent/Adult Immunizations"),
        ("RF-2000", "Family Counseling"),
        ("FT-3000", "Family Law"),
        ("LJ-2000", "Family Planning"),
        ("PN-8100.3000", "Health/Disability Related Support Groups"),
        ("LH-2700.1700", "Disease/Disability Information"),
        ("HL-8120.7800-200", "Free School Supplies"),
    ] {
        assert!(slugs(&airs(&[(code, name)])).is_empty(), "{name}");
    }
}

#[test]
fn list_labels_give_populations() {
    let child_meals = Service {
        taxonomy_terms: vec![term("food-pantries", "CHILD MEAL SITE", "CHILD MEAL SITE")],
        ..listing("food-pantries", "Daphne High School")
    };
    assert_eq!(slugs(&child_meals), vec!["youth"]);
    let summer_lunch = Service {
        taxonomy_terms: vec![term("la-food-oasis", "Summer Lunch", "Summer Lunch")],
        ..listing("la-food-oasis", "1st Place Sports Complex")
    };
    assert_eq!(slugs(&summer_lunch), vec!["youth"]);
    let supermarket = Service {
        taxonomy_terms: vec![term("la-food-oasis", "Supermarket", "Supermarket")],
        ..listing("la-food-oasis", "365 by Whole Foods Market")
    };
    assert!(slugs(&supermarket).is_empty());
}

// --- Populations: eligibility text -------------------------------------------

#[test]
fn eligibility_text_gives_populations() {
    for (text, want) in [
        ("Veterans and their families", vec!["veterans"]),
        ("US Veterans with an Honorable Discharge", vec!["veterans"]),
        (
            "* Homeless males in Miami-Dade County.\\n* Photo ID required.",
            vec!["homeless"],
        ),
        (
            "FIU register student, faculty and staff who are victims of domestic violence/abuse and/or stalking.",
            vec!["domestic-violence"],
        ),
        ("LGBTQ youth 14-24 years old", vec!["youth", "lgbtq"]),
        ("Open to those who are low income", vec!["low-income"]),
        (
            "Refugees, Asyless, Cuban and Haitian entrants, victims of severe human trafficking",
            vec!["immigrants"],
        ),
        ("Anyone 60 years or older", vec!["seniors"]),
        (
            "Children 5-18 years old, diagnosed as severely emotionally disturbed or are at risk.",
            vec!["youth"],
        ),
        (
            "Children 5-12 years old with or without disabilities",
            vec!["youth"],
        ),
        ("Parents of children 3-18 years old", vec!["families"]),
        (
            "* Women and children. \\n* Proper identification requested.",
            vec!["women"],
        ),
        (
            "Persons of any age with a physical disability",
            vec!["disabilities"],
        ),
        (
            "Children 6 weeks - 5 years old for migrant and low income families",
            vec!["youth", "families", "low-income"],
        ),
    ] {
        assert_eq!(slugs(&eligible(text)), want, "{text}");
    }
}

#[test]
fn eligibility_text_that_names_a_group_in_passing_gives_nothing_for_it() {
    for text in [
        "Individuals and families facing eviction and having a 5-day eviction notice issued by the courthouse",
        "Men and women over 50 years old who require acute care for psychiatric problems.",
        "Open to the public",
        "Call for more information",
        "Adult, child or family who has lost a loved one",
    ] {
        let found = slugs(&eligible(text));
        assert!(
            !found.contains(&"families") && !found.contains(&"women"),
            "{text}: {found:?}"
        );
    }
    assert!(slugs(&eligible("Individuals at risk of homelessness")).is_empty());
    assert_eq!(
        slugs(&eligible(
            "* Resident of Monroe County.\\n* Homeless or at risk of homelessness."
        )),
        vec!["homeless"]
    );
}

#[test]
fn eligibility_attributes_are_read_like_eligibility_text() {
    let service = Service {
        attributes: vec![
            attribute("target_population", "Veterans"),
            attribute("access", "Walk up"),
        ],
        ..listing("example", "X")
    };
    assert_eq!(slugs(&service), vec!["veterans"]);
}

// --- Populations: names and whole lists --------------------------------------

#[test]
fn service_names_give_populations_where_they_say_who_is_served() {
    for (dataset, name, want) in [
        (
            "samhsa-mental-health",
            "Bay Pines VA Healthcare System Veterans Affairs Medical Center",
            vec!["veterans"],
        ),
        (
            "samhsa-substance-use",
            "US VETS Inglewood United States Veterans Initiative",
            vec!["veterans"],
        ),
        (
            "hrsa-health-centers",
            "Los Angeles LGBT Center - Weho",
            vec!["lgbtq"],
        ),
        (
            "hrsa-health-centers",
            "Royal Green Elementary",
            vec!["youth"],
        ),
        (
            "hrsa-health-centers",
            "South Dade Senior High School",
            vec!["youth"],
        ),
        (
            "hrsa-health-centers",
            "Peabody Veteran Memorial High School SBHC",
            vec!["youth"],
        ),
        (
            "hrsa-health-centers",
            "Healthcare for Homeless Center",
            vec!["homeless"],
        ),
        (
            "hrsa-health-centers",
            "FamilyHealth - Center for Older Adults",
            vec!["seniors"],
        ),
        (
            "hud-public-housing",
            "EIGHTY ELDERLY/HANDICAPPED UNITS",
            vec!["seniors", "disabilities", "low-income"],
        ),
        (
            "samhsa-mental-health",
            "Holistic Recovery for Mothers",
            vec!["women"],
        ),
        (
            "samhsa-substance-use",
            "GEO Reentry Services Center GEO Reentry Services Inc",
            vec!["reentry"],
        ),
        (
            "food-pantries",
            "Cabrini Immigrant Services",
            vec!["immigrants"],
        ),
        ("miami-211-2019", "RE-ENTRY PROGRAM", vec!["reentry"]),
        (
            "miami-211-2019",
            "DEAF AND HARD OF HEARING UNIT",
            vec!["disabilities"],
        ),
    ] {
        assert_eq!(slugs(&listing(dataset, name)), want, "{dataset}: {name}");
    }
}

#[test]
fn service_names_that_only_look_like_a_population_give_nothing() {
    for (dataset, name) in [
        ("imls-libraries", "VETERANS MEMORIAL LIBRARY"),
        ("imls-libraries", "LODI WOMAN'S CLUB PUBLIC LIBRARY"),
        (
            "hrsa-health-centers",
            "Charles H. Gay Shelter Care-Center for Men",
        ),
        ("hrsa-health-centers", "VALLEY HEALTH - FORT GAY"),
        ("hrsa-health-centers", "Box Elder Communty Health Center"),
        (
            "samhsa-substance-use",
            "Adult and Teen Challenge of the Greater South",
        ),
        (
            "samhsa-substance-use",
            "Anti Aging and Longevity Center of Texas PA",
        ),
        (
            "samhsa-mental-health",
            "Helen Ross McNabb Center - Adult and Children Services",
        ),
        (
            "samhsa-mental-health",
            "Men and Women for Human Excellence Inc",
        ),
        ("food-pantries", "Almaden Elementary School"),
        ("food-pantries", "Youth With A Mission"),
        (
            "food-pantries",
            "Mother Teresa of Calcutta c/o Little Flower Catholic Church",
        ),
        (
            "hud-housing-counseling",
            "CHILD & FAMILY SERVICES OF EASTERN VIRGINIA, INC. D/B/A THE UP CENTER",
        ),
        (
            "usda-farmers-markets",
            "Santa Rosa Community Farmers Market at the Veterans Building",
        ),
        ("miami-211-2019", "MOTHERS AGAINST DRUNK DRIVING, INC."),
    ] {
        let found = slugs(&listing(dataset, name));
        assert!(found.is_empty(), "{dataset}: {name}: {found:?}");
    }
    let school = slugs(&listing(
        "hrsa-health-centers",
        "BARBARA GOLEMAN SENIOR HS SBHC",
    ));
    assert_eq!(school, vec!["youth"]);
}

#[test]
fn whole_lists_give_their_population() {
    assert_eq!(
        slugs(&listing("va-facilities", "Anchorage Vet Center")),
        vec!["veterans"]
    );
    assert_eq!(
        slugs(&listing("va-facilities", "Gaylord VA Clinic")),
        vec!["veterans"]
    );
    assert_eq!(
        slugs(&listing("hud-public-housing", "MESA TOWER")),
        vec!["low-income"]
    );
    assert_eq!(
        slugs(&listing(
            "hud-pha-contacts",
            "Housing Authority of Childress"
        )),
        vec!["low-income"]
    );
    assert!(
        slugs(&listing(
            "hrsa-health-centers",
            "Banyan Community Health Center"
        ))
        .is_empty()
    );
}

// --- Ages ----------------------------------------------------------------------

#[test]
fn age_statements_are_read() {
    for (text, want) in [
        ("ages 5-17", (Some(5), Some(17))),
        ("5 to 17 years", (Some(5), Some(17))),
        ("18 and older", (Some(18), None)),
        ("18+", (Some(18), None)),
        ("60 years of age or older", (Some(60), None)),
        ("under 21", (None, Some(20))),
        ("children 0-5", (Some(0), Some(5))),
        ("Adults", (Some(18), None)),
        // From the Miami eligibility file.
        ("Anyone 60 years or older", (Some(60), None)),
        (
            "* Men 21-60 years old.\\n* Must have a photo ID.\\n* Must pass an alcohol breathalyzer screening test.\\n* Must have 30-day supply of all doctor-prescribed medications.",
            (Some(21), Some(60)),
        ),
        ("Children 6 weeks - 5 years old", (Some(0), Some(5))),
        (
            "Adults with severe and persistent mental illness",
            (Some(18), None),
        ),
        (
            "Children and adolescents 6-17 years old suffering from anxiety and phobias.",
            (Some(6), Some(17)),
        ),
        (
            "Adolescents (5-17), adults (18+), and seniors (55+)",
            (Some(5), None),
        ),
        (
            "Adults over 60 years old, disabled adults 18-59 years old",
            (Some(18), None),
        ),
        (
            "All girls, 5-17 years old, or K-12, in Miami-Dade and Monroe Counties.\\n\\nAdult members over 18 years old who accept the Girl Scout Promise and Law.",
            (Some(5), None),
        ),
        (
            "Severely emotionally disturbed children under 18 years old in foster care placement",
            (None, Some(17)),
        ),
        ("Adolescents up to 21 years old", (None, Some(21))),
        (
            "Children birth - 8 years old with a developmental disability.",
            (Some(0), Some(8)),
        ),
        (
            "Adults 60 years old & over that reside in Collier County.",
            (Some(60), None),
        ),
        ("Must be between 16-24 years old.", (Some(16), Some(24))),
        (
            "Young women, 40 years and younger going through cancer treatment",
            (None, Some(40)),
        ),
        (
            "Day Care:\\nChildren 2 months and up\\n\\nSummer Camp:\\nChildren 4-13 years old\\n\\nAfter School:\\nChildren 5-13 years old",
            (Some(0), None),
        ),
        (
            "Residents of Liberty City and surrounding areas\\n\\nBasketball: 8-16 years old\\nTrack & Field: 4-17 years old\\nBaseball: 7-14 years old",
            (Some(4), Some(17)),
        ),
        // The HSDS 3.0 example service's eligibility.
        (
            "This service is intended for all people aged 12 and over who require counselling services in the MyCity area",
            (Some(12), None),
        ),
    ] {
        assert_eq!(ages(text), want, "{text}");
    }
}

#[test]
fn age_statements_that_read_more_than_one_way_give_no_bound() {
    for text in [
        // Someone else's ages: the client is the family or the parent.
        "Families with children 6-12 years old with eligible behavioral concerns",
        "Parents of children 0-5 years old",
        "Eligibility for the Parent-Child Program are parents/caregivers who:\\n* Have a child 5-11 or 12-18 years old",
        // Those under 18 may come, with a parent.
        "Individuals 18 years or older. \\n\\nAnyone below 18 years old must be accompanied by a parent.",
        // The ages are the boys', not the women's.
        "* Emergency night shelter for women and children, (boys under age 4 only)\\n* Cannot accept those with drug/alcohol or mental problems",
        "Pregnant women and children up to 3 years old.",
        // Durations, incomes and grades are not ages.
        "Lawful permanent resident for at least 3-5 years; 3 years if married with a U.S. citizen or 5 years if not married.",
        "Refugees ,Asylees, parolee, human victims of human trafficking in the U.S less than 5 years.",
        "Must not exceed 150% of low income poverty guidelines:\\n\\n1 - $ 17,820 \\n2 - $ 24,060",
        "Summer Camp:\\nChildren in grades K-5th with or without disabilities.\\n\\nCamp for Tots:\\nChildren 3-4 years old with or without disabilities",
        "Trauma victims beginning at 5 years old to adults of any age",
        "Pediatric - adult populations",
        "Call for more information.",
        "Open to the public",
    ] {
        assert_eq!(ages(text), (None, None), "{text}");
    }
}

#[test]
fn age_fields_come_first_then_attributes_then_text_then_list_rules() {
    // The HSDS 3.0 example service gives both the fields and the text.
    let counselling = Service {
        minimum_age: Some(12),
        maximum_age: Some(100),
        eligibility_description: Some("Children 0-5".into()),
        ..listing("example", "Community Counselling")
    };
    assert_eq!(
        age_range(&counselling),
        AgeRange {
            min: Some(12),
            max: Some(100)
        }
    );
    let nonsense = Service {
        minimum_age: Some(30),
        maximum_age: Some(20),
        eligibility_description: Some("Adults".into()),
        ..listing("example", "X")
    };
    assert_eq!(age_range(&nonsense).min, Some(18), "min > max is not used");
    let attributes = Service {
        attributes: vec![
            attribute("minimum_age", "18"),
            attribute("maximum_age", "24 years"),
        ],
        eligibility_description: Some("Children 0-5".into()),
        ..listing("example", "X")
    };
    assert_eq!(
        (age_range(&attributes).min, age_range(&attributes).max),
        (Some(18), Some(24))
    );
    let range_attribute = Service {
        attributes: vec![attribute("age_range", "5-17 years")],
        ..listing("example", "X")
    };
    assert_eq!(age_range(&range_attribute).max, Some(17));
    let child_meals = Service {
        taxonomy_terms: vec![term("food-pantries", "CHILD MEAL SITE", "CHILD MEAL SITE")],
        ..listing("food-pantries", "Laun Park")
    };
    assert_eq!(age_range(&child_meals).max, Some(18));
    assert_eq!(
        age_range(&listing("food-pantries", "Laun Park")),
        AgeRange::ANY
    );
}

#[test]
fn unknown_bounds_admit() {
    assert!(AgeRange::ANY.admits(0) && AgeRange::ANY.admits(120));
    assert!(!AgeRange::ANY.is_known());
    let youth = AgeRange {
        min: Some(5),
        max: Some(17),
    };
    assert!(youth.admits(15) && youth.admits(5) && youth.admits(17));
    assert!(!youth.admits(4) && !youth.admits(18));
    let adults = AgeRange {
        min: Some(18),
        max: None,
    };
    assert!(adults.admits(99) && !adults.admits(15));
}

// --- Cost ----------------------------------------------------------------------

#[test]
fn fee_text_that_says_free_is_free() {
    for text in [
        "Free",
        "free of charge",
        "No fee",
        "No fees.",
        "No cost",
        "None",
        "None; donations welcome",
        "$0",
        "There is no charge for this service",
        "Gratis",
        "Sin costo",
    ] {
        assert!(is_free(&fees(text)), "{text}");
    }
}

#[test]
fn fee_text_that_names_a_cost_is_not_free() {
    for text in [
        "Free consultation, then $50",
        "Sliding fee scale",
        "Sliding scale based on income",
        "Medicaid, Medicare and most private insurance accepted",
        "Free for members; membership is $20 a year",
        "Low cost",
        "Copay required",
        "Call toll-free for prices",
        // The HSDS 3.0 example service.
        "Non-NHS patients are expected to pay for their counselling sessions. We charge a flat rate per hour of counselling. The current rate is £50 per hour.",
    ] {
        assert!(!is_free(&fees(text)), "{text}");
    }
    assert!(!is_free(&listing("example", "Says nothing")));
}

#[test]
fn cost_options_and_attributes_say_free_or_not() {
    let zero = Service {
        cost_options: vec![CostOption {
            amount: Some(0.0),
            ..CostOption::default()
        }],
        ..listing("example", "X")
    };
    assert!(is_free(&zero));
    // The HSDS 3.0 example service's cost option.
    let priced = Service {
        cost_options: vec![CostOption {
            option: Some("Under 18s and Over 60s".into()),
            amount: Some(35.0),
            currency: Some("gbp".into()),
            amount_description: Some("per 1 hour session".into()),
        }],
        ..listing("example", "X")
    };
    assert!(!is_free(&priced));
    let free_option = Service {
        cost_options: vec![CostOption {
            option: Some("Free".into()),
            ..CostOption::default()
        }],
        ..listing("example", "X")
    };
    assert!(is_free(&free_option));
    for (tag, value, free) in [
        ("fees", "None", true),
        ("free", "yes", true),
        ("is_free", "false", false),
        ("cost", "$20 per visit", false),
        ("accepts", "SNAP", false),
    ] {
        let service = Service {
            attributes: vec![attribute(tag, value)],
            ..listing("example", "X")
        };
        assert_eq!(is_free(&service), free, "{tag}: {value}");
    }
}

#[test]
fn whole_lists_are_free_where_every_listing_is() {
    let pantry = |terms: &[&str]| Service {
        taxonomy_terms: terms.iter().map(|t| term("food-pantries", t, t)).collect(),
        ..listing("food-pantries", "Pantry")
    };
    assert!(is_free(&pantry(&["Food pantry"])));
    assert!(is_free(&pantry(&["Free Groceries"])));
    assert!(is_free(&pantry(&["CHILD MEAL SITE"])));
    assert!(
        !is_free(&pantry(&["Food pantry", "Farmers Markets"])),
        "Delridge Farmers Market"
    );
    assert!(
        !is_free(&pantry(&["JOB RESOURCE"])),
        "MoGo RideShare costs $1.25"
    );
    let priced_pantry = Service {
        fees_description: Some("$5 per bag".into()),
        ..pantry(&["Food pantry"])
    };
    assert!(
        !is_free(&priced_pantry),
        "the listing's own word comes first"
    );
    assert!(is_free(&listing(
        "imls-libraries",
        "BISMARCK VETERANS MEMORIAL PUBLIC LIBRARY"
    )));
    let va = |code: &str| Service {
        taxonomy_terms: vec![term("va-facilities", code, "")],
        ..listing("va-facilities", "Facility")
    };
    assert!(is_free(&va("VCTR")) && is_free(&va("MVCTR")));
    assert!(!is_free(&va("VAMC")), "VA medical centers charge copays");
    let la = |category: &str| Service {
        taxonomy_terms: vec![term("la-food-oasis", category, category)],
        ..listing("la-food-oasis", "Site")
    };
    assert!(is_free(&la("Food Pantry")) && is_free(&la("Summer Lunch")));
    assert!(!is_free(&la("Supermarket")) && !is_free(&la("Farmers Market")));
    for dataset in [
        "hrsa-health-centers",
        "hud-public-housing",
        "samhsa-mental-health",
        "usda-farmers-markets",
    ] {
        assert!(!is_free(&listing(dataset, "X")), "{dataset}");
    }
}

#[test]
fn a_description_that_says_the_whole_service_is_free_makes_it_free() {
    let described = |text: &str| Service {
        description: Some(text.into()),
        ..listing("miami-211-2019", "X")
    };
    for text in [
        "Provides free pregnancy tests, limited ultrasounds to pregnant and new mothers, free counseling, support groups and material assistance. All services are free and confidential.",
        "Offers ongoing sports training programs to those who desire afternoon, evening and/or weekend hours. There is no cost to participate.",
        "SHINE (Serving Health Insurance Needs of Elders) is a free program offered by the Florida Department of Elder Affairs.",
    ] {
        assert!(is_free(&described(text)), "{text}");
    }
    for text in [
        "Includes arts and crafts and supervised free play time.",
        "Florida KidCare is free or low cost health insurance for uninsured children.",
        "Offers a sliding fee scale. All services are free and confidential for those who qualify.",
        "Staff a toll-free helpline providing information",
    ] {
        assert!(!is_free(&described(text)), "{text}");
    }
}

// --- Accessibility ---------------------------------------------------------------

#[test]
fn accessibility_notes_say_whether_a_wheelchair_user_can_get_in() {
    for notes in [
        &["Handicap accessible"][..],
        // The HSDS 3.0 example location's note.
        &[
            "The building is equipped with induction loops for hearing aids. Wheelchair access is possible on all levels.",
        ],
        &["ADA accessible"],
        &["Accessible entrance on 2nd Avenue"],
        &["Accessible"],
        &["Ramp at the side door"],
    ] {
        assert!(wheelchair_accessible(&location(notes)), "{notes:?}");
    }
    for notes in [
        &[][..],
        &["Not wheelchair accessible"],
        &["Second floor, no elevator"],
        &["Stairs only"],
        &["Accessible parking"],
        &["Switch hearing aid to T-coil to access the induction loop facility."],
        &[
            "Handicap accessible",
            "The clinic upstairs is not accessible",
        ],
    ] {
        assert!(!wheelchair_accessible(&location(notes)), "{notes:?}");
    }
}

#[test]
fn a_service_is_accessible_when_any_location_or_its_attributes_say_so() {
    let two = Service {
        locations: vec![location(&[]), location(&["Handicap accessible"])],
        ..listing("miami-211-2019", "X")
    };
    assert!(service_accessible(&two));
    let by_attribute = Service {
        attributes: vec![attribute("wheelchair_accessible", "yes")],
        ..listing("example", "X")
    };
    assert!(service_accessible(&by_attribute));
    let not = Service {
        attributes: vec![attribute("accessibility", "Not ADA compliant")],
        ..listing("example", "X")
    };
    assert!(!service_accessible(&not));
    // The food pantry locators' "Walk up" is how food is handed out, not access.
    let walk_up = Service {
        attributes: vec![attribute("access", "Walk up")],
        ..listing("food-pantries", "X")
    };
    assert!(!service_accessible(&walk_up));
}

// --- Over the bundled data -----------------------------------------------------

/// Every bundled source (the Miami package and the national lists), imported the normal way, once.
fn bundled() -> &'static [ParsedSource] {
    static SOURCES: OnceLock<Vec<ParsedSource>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let gazetteer = Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"));
        let categories = CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"));
        let ctx = ImportContext {
            gazetteer: &gazetteer,
            categories: &categories,
        };
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        bundled_sources(&data)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|path| read_source(ctx, path, None).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    })
}

/// How many listings of a source have each fact.
#[derive(Default)]
struct Counts {
    listings: usize,
    by: BTreeMap<&'static str, usize>,
}

impl Counts {
    fn of(&self, fact: &str) -> usize {
        self.by.get(fact).copied().unwrap_or(0)
    }
}

fn count(source: &ParsedSource) -> Counts {
    let mut counts = Counts {
        listings: source.services.len(),
        ..Counts::default()
    };
    let mut add = |fact: &'static str| *counts.by.entry(fact).or_default() += 1;
    for s in &source.services {
        populations(s).into_iter().for_each(|p| add(p.slug()));
        if is_free(s) {
            add("free");
        }
        if service_accessible(s) {
            add("accessible");
        }
        let ages = age_range(s);
        if ages.min.is_some() {
            add("min-age");
        }
        if ages.max.is_some() {
            add("max-age");
        }
    }
    counts
}

#[test]
fn facts_over_the_bundled_data() {
    let mut all: BTreeMap<String, Counts> = BTreeMap::new();
    for source in bundled() {
        let counts = count(source);
        eprintln!(
            "{:<24} {:>6} listings: {}",
            source.dataset,
            counts.listings,
            counts
                .by
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        all.insert(source.dataset.clone(), counts);
    }
    let of = |dataset: &str| {
        all.get(dataset)
            .unwrap_or_else(|| panic!("{dataset} was not imported"))
    };

    let va = of("va-facilities");
    assert_eq!(
        va.of("veterans"),
        va.listings,
        "every VA listing is for veterans"
    );
    assert_eq!(
        va.of("free"),
        398,
        "the Vet Centers, outstations and mobile Vet Centers"
    );
    for dataset in ["hud-public-housing", "hud-pha-contacts"] {
        assert_eq!(
            of(dataset).of("low-income"),
            of(dataset).listings,
            "{dataset}"
        );
    }
    assert!(
        of("hud-public-housing").of("seniors") >= 90,
        "developments designated for the elderly"
    );

    let miami = of("miami-211-2019");
    for (population, at_least) in [
        ("youth", 1_000),
        ("seniors", 200),
        ("families", 300),
        ("disabilities", 200),
        ("women", 150),
        ("low-income", 120),
        ("domestic-violence", 60),
        ("homeless", 70),
        ("veterans", 50),
        ("immigrants", 50),
        ("lgbtq", 30),
        ("reentry", 5),
    ] {
        assert!(
            miami.of(population) >= at_least,
            "Miami {population}: {}",
            miami.of(population)
        );
    }
    assert!(
        miami.of("youth") < miami.listings / 2,
        "age codes alone do not make a youth service"
    );
    // Every location the export marks "Handicap accessible", and no other.
    assert_eq!(miami.of("accessible"), 1_620);
    assert!(
        miami.of("free") >= 25,
        "services whose description says they are free"
    );

    let pantries = of("food-pantries");
    assert!(pantries.of("free") >= pantries.listings - 20);
    assert_eq!(pantries.of("max-age"), 38, "the child meal sites");
    assert_eq!(
        of("imls-libraries").of("free"),
        of("imls-libraries").listings
    );
    let la = of("la-food-oasis");
    assert_eq!(
        la.of("free"),
        345 + 70,
        "food pantries and Summer Lunch sites"
    );
    assert_eq!(la.of("max-age"), 70);
    for dataset in [
        "hrsa-health-centers",
        "samhsa-mental-health",
        "samhsa-substance-use",
        "samhsa-opioid-treatment",
        "hud-public-housing",
        "hud-pha-contacts",
        "hud-housing-counseling",
        "usda-farmers-markets",
    ] {
        assert_eq!(of(dataset).of("free"), 0, "{dataset}");
    }
    assert!(
        of("usda-farmers-markets").by.is_empty(),
        "markets are for everyone"
    );
    assert!(
        of("samhsa-mental-health").of("veterans") >= 200,
        "VA clinics in SAMHSA's list"
    );
    assert!(
        of("hrsa-health-centers").of("youth") >= 2_000,
        "school-based health centers"
    );
}

/// The Miami eligibility file (2,244 real eligibility texts, which name no
/// service and so are not joined to any listing), read as eligibility text.
#[test]
fn facts_over_the_miami_eligibility_texts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/hsds/miami-211-hsds-2019/data/eligibility.csv");
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{e}"));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut texts = 0;
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{e}"));
        let service = eligible(record.get(2).unwrap_or(""));
        texts += 1;
        for p in populations(&service) {
            *counts.entry(p.slug()).or_default() += 1;
        }
        let ages = age_range(&service);
        if let (Some(min), Some(max)) = (ages.min, ages.max) {
            assert!(min <= max, "{:?}", service.eligibility_description);
        }
        if ages.is_known() {
            *counts.entry("an age bound").or_default() += 1;
        }
    }
    eprintln!("Miami eligibility.csv, {texts} texts: {counts:?}");
    assert_eq!(texts, 2_244);
    let at = |fact: &str| counts.get(fact).copied().unwrap_or(0);
    assert!(at("an age bound") >= 400, "{}", at("an age bound"));
    assert!(at("youth") >= 500 && at("seniors") >= 50 && at("veterans") >= 15);
    assert!(at("homeless") >= 30 && at("low-income") >= 50);
}

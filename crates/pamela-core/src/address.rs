//! Checking an address that came from a link (image host, data URL, hub) before anything
//! contacts it: the URL is parsed (scheme, user info, host, port), not compared by prefix.
//!
//! A prefix test is fooled twice: `http://127.0.0.1@203.0.113.9/` starts like this machine but
//! names the host 203.0.113.9 (`127.0.0.1` is a user name), and `http://127.0.0.1.nip.io/` is a
//! public name that only starts like a loopback address. Here an address with user info is
//! refused outright (it exists to hide the real host), the host is the whole authority up to the
//! port, and "this machine" is `localhost`, `127.x.y.z` written as four decimal numbers, or
//! `[::1]`. Plain `http` is accepted only for this machine (tests, a local mirror).
//!
//! The result says what the page must do: a [`Address::Trusted`] host (the defaults, the page's
//! own origin) is used at once, a [`Address::Local`] one is this machine, a [`Address::Foreign`]
//! one needs the visitor's consent, showing [`Address::Foreign::host`]; [`Address::Invalid`]
//! is never used and says why.

/// What an address is, for deciding whether it may be contacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A host the caller trusts (listed in `trusted`): no consent needed.
    Trusted { host: String },
    /// This machine (`localhost`, `127.0.0.0/8`, `[::1]`), over http or https.
    Local { host: String },
    /// Any other https host: contact it only after the visitor confirms, showing `host`.
    Foreign { host: String },
    /// Not usable, with the reason in words.
    Invalid(String),
}

/// The parts of an absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// `http` or `https`, lower case.
    pub scheme: String,
    /// Lower case; an IPv6 address keeps its brackets.
    pub host: String,
    pub port: Option<u16>,
    /// Everything from the first `/`, `?` or `#` after the authority (may be empty).
    pub rest: String,
}

impl Parts {
    /// `host` or `host:port`, as shown to a person and compared with trusted hosts.
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

/// Longest address accepted.
pub const MAX_LEN: usize = 2000;

/// Parses an absolute `http://` or `https://` URL; the error says what is wrong.
pub fn parse(url: &str) -> Result<Parts, String> {
    if url.len() > MAX_LEN {
        return Err(format!("the address is longer than {MAX_LEN} characters"));
    }
    if let Some(c) = url
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\\' | '`'))
    {
        return Err(format!("the address holds the character {c:?}"));
    }
    let (scheme, after) = url
        .split_once("://")
        .ok_or("expected an address starting with https://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "the scheme {scheme:?} is not accepted (only https, or http for this machine)"
        ));
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.contains('@') {
        return Err(
            "the address holds a user name (`name@host`), which can hide the real host: refused"
                .into(),
        );
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6.find(']').ok_or("an IPv6 host lacks its closing `]`")?;
        let (inside, tail) = (&v6[..close], &v6[close + 1..]);
        if inside.is_empty()
            || !inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(format!("[{inside}] is not an IPv6 address"));
        }
        let port = match tail {
            "" => None,
            t => Some(
                t.strip_prefix(':')
                    .ok_or("unexpected text after the IPv6 host")?,
            ),
        };
        (format!("[{}]", inside.to_ascii_lowercase()), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => {
            let n: u16 = p
                .parse()
                .ok()
                .filter(|&n| n > 0 && p.chars().all(|c| c.is_ascii_digit()))
                .ok_or_else(|| format!("the port {p:?} is not a number from 1 to 65535"))?;
            Some(n)
        }
    };
    if host.is_empty() {
        return Err("the address names no host".into());
    }
    if !host.starts_with('[') {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        let trimmed = host.strip_suffix('.').unwrap_or(&host);
        if host.len() > 253 || !trimmed.split('.').all(label_ok) {
            return Err(format!("{host:?} is not a host name"));
        }
    }
    Ok(Parts {
        scheme,
        host,
        port,
        rest: rest.to_string(),
    })
}

/// Whether a parsed host is this machine: `localhost`, four decimal numbers starting with 127,
/// or `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
        && parts[0] == "127"
}

/// Classifies an address from a link. `trusted` lists hosts (or `host:port`) that need no
/// consent: the defaults and the page's own origin.
pub fn classify(url: &str, trusted: &[&str]) -> Address {
    let p = match parse(url) {
        Ok(p) => p,
        Err(why) => return Address::Invalid(why),
    };
    let authority = p.authority();
    let local = is_loopback(&p.host);
    if p.scheme == "http" && !local {
        return Address::Invalid(format!(
            "plain http is accepted only for this machine, not for {authority}: use https"
        ));
    }
    let trusted_hit = trusted.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        t == authority || (p.port.is_none() && t == p.host)
    });
    if trusted_hit {
        Address::Trusted { host: authority }
    } else if local {
        Address::Local { host: authority }
    } else {
        Address::Foreign { host: authority }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: &[&str] = &["huggingface.co"];

    #[test]
    fn a_user_name_before_the_host_is_refused() {
        for u in [
            "http://127.0.0.1@203.0.113.9/",
            "https://huggingface.co@evil.example/x",
            "https://user:pw@huggingface.co/",
        ] {
            assert!(
                matches!(classify(u, HUB), Address::Invalid(ref m) if m.contains("user name")),
                "{u}"
            );
        }
    }

    #[test]
    fn a_public_name_that_starts_like_loopback_is_not_this_machine() {
        assert!(!is_loopback("127.0.0.1.nip.io"));
        assert!(matches!(
            classify("http://127.0.0.1.nip.io/", HUB),
            Address::Invalid(ref m) if m.contains("only for this machine")
        ));
        assert_eq!(
            classify("https://127.0.0.1.nip.io/", HUB),
            Address::Foreign {
                host: "127.0.0.1.nip.io".into()
            }
        );
        assert!(!is_loopback("localhost.evil.example"));
        assert!(!is_loopback("127.0.0.1x"));
        assert!(!is_loopback("127.1"));
    }

    #[test]
    fn this_machine_is_local_over_http_with_its_port() {
        assert_eq!(
            classify("http://127.0.0.1:8080/images/", HUB),
            Address::Local {
                host: "127.0.0.1:8080".into()
            }
        );
        assert_eq!(
            classify("http://LOCALHOST/", HUB),
            Address::Local {
                host: "localhost".into()
            }
        );
        assert!(matches!(
            classify("http://[::1]:3000/", HUB),
            Address::Local { .. }
        ));
    }

    #[test]
    fn the_default_host_is_trusted_and_others_are_foreign() {
        assert_eq!(
            classify(
                "https://HuggingFace.co/datasets/bethgelab/PAMELA/resolve/main/",
                HUB
            ),
            Address::Trusted {
                host: "huggingface.co".into()
            }
        );
        assert_eq!(
            classify("https://huggingface.co.evil.example/", HUB),
            Address::Foreign {
                host: "huggingface.co.evil.example".into()
            }
        );
        assert_eq!(
            classify("https://mirror.example:8443/p/", HUB),
            Address::Foreign {
                host: "mirror.example:8443".into()
            }
        );
    }

    #[test]
    fn broken_addresses_say_why() {
        for (u, why) in [
            ("javascript:alert(1)", "https://"),
            ("ftp://x.example/", "scheme"),
            ("https://", "no host"),
            ("https://x.example:0/", "port"),
            ("https://x.example:99999/", "port"),
            ("https://x.example:80a/", "port"),
            ("https://x..example/", "not a host name"),
            ("https://x_y.example/", "not a host name"),
            ("https://[::1/", "closing"),
            ("https://a.example/\"onload=", "character"),
            ("https://a.example/ x", "character"),
            ("https://a.example\\@b.example/", "character"),
            ("http://evil.example/", "only for this machine"),
        ] {
            match classify(u, HUB) {
                Address::Invalid(m) => assert!(m.contains(why), "{u}: {m}"),
                other => panic!("{u}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_rest_of_the_address_is_kept() {
        let p = parse("https://h.example:444/a/b?c=d#e").unwrap();
        assert_eq!(p.host, "h.example");
        assert_eq!(p.port, Some(444));
        assert_eq!(p.rest, "/a/b?c=d#e");
    }
}

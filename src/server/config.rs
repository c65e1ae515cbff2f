//! Command-line flags and environment variables (`switchboard --help` lists them).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// How to run Switchboard. Every flag can also be set by its environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Self-hosted live chat for support teams"
)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database URL; overrides --data-dir (e.g. sqlite:///srv/switchboard/switchboard.db).
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Log filter in tracing's syntax (e.g. "info", "switchboard=debug,info").
    #[arg(long, env = "SWITCHBOARD_LOG", default_value = "info")]
    pub log: String,

    /// Create a demo inbox (agents existing at start-up join it) and serve a demo website at /demo.
    #[arg(long, env = "SWITCHBOARD_DEMO", value_parser = clap::builder::FalseyValueParser::new())]
    pub demo: bool,

    /// Where the built site (pkg/, widget.js) is; cargo-leptos writes it to target/site.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Email of an admin to create at start-up when no agent exists yet.
    #[arg(long, env = "SWITCHBOARD_ADMIN_EMAIL", requires = "admin_password")]
    pub admin_email: Option<String>,

    /// Password of that admin.
    #[arg(long, env = "SWITCHBOARD_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Name of that admin.
    #[arg(long, env = "SWITCHBOARD_ADMIN_NAME", default_value = "Admin")]
    pub admin_name: String,

    /// Mark the session cookie Secure (set this when Switchboard is served over HTTPS).
    #[arg(long, env = "SWITCHBOARD_SECURE_COOKIES", value_parser = clap::builder::FalseyValueParser::new())]
    pub secure_cookies: bool,

    /// Seconds an agent stays as they are with no workspace open (a closed laptop, a lost
    /// network) before colleagues see them offline.
    #[arg(long, env = "SWITCHBOARD_OFFLINE_AFTER", default_value_t = 900,
          value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub offline_after: i64,

    /// The longest "turn off online mode" time an agent may choose in My settings, in minutes
    /// (the default above applies to those who chose none).
    #[arg(long, env = "SWITCHBOARD_OFFLINE_AFTER_MAX_MINUTES", default_value_t = 120,
          value_parser = clap::value_parser!(i64).range(1..=1_440))]
    pub offline_after_max_minutes: i64,

    /// Minutes of absence after which a visitor's next page starts a new visit.
    #[arg(long, env = "SWITCHBOARD_VISIT_GAP", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..=1_440))]
    pub visit_gap: i64,

    /// Seconds a visitor stays in the online list after their last tab closed (so moving
    /// between pages of a site does not make them leave and come back).
    #[arg(long, env = "SWITCHBOARD_VISITOR_GRACE", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..=3_600))]
    pub visitor_grace: i64,

    /// Store visitors' IP addresses truncated (IPv4: last octet zeroed; IPv6: last 80 bits).
    #[arg(long, env = "SWITCHBOARD_TRUNCATE_IPS", value_parser = clap::builder::FalseyValueParser::new())]
    pub truncate_ips: bool,

    /// A MaxMind-format city database (GeoLite2-City.mmdb); visitors' locations then come from
    /// their IP address instead of their time zone.
    #[arg(long, env = "SWITCHBOARD_GEOIP_DB")]
    pub geoip_db: Option<PathBuf>,

    /// The token `/setup` asks for before the first admin exists. Without it, a server that
    /// listens beyond loopback makes one up and prints the setup address with it in its log.
    #[arg(long, env = "SWITCHBOARD_SETUP_TOKEN")]
    pub setup_token: Option<String>,

    /// New visitors one address may start per minute (more are refused until the minute
    /// passes; 0: no limit).
    #[arg(
        long,
        env = "SWITCHBOARD_NEW_VISITORS_PER_MINUTE",
        default_value_t = 60
    )]
    pub new_visitors_per_minute: usize,

    /// Sockets (widgets and trackers) one address may hold open at once (0: no limit).
    #[arg(long, env = "SWITCHBOARD_SOCKETS_PER_ADDRESS", default_value_t = 50)]
    pub sockets_per_address: usize,

    /// Requests one API token may make per minute (0: no limit).
    #[arg(
        long,
        env = "SWITCHBOARD_API_REQUESTS_PER_MINUTE",
        default_value_t = 300
    )]
    pub api_requests_per_minute: usize,

    /// Messages a socket may send per second (page views and typing notices: the same; 0: no
    /// limit).
    #[arg(long, env = "SWITCHBOARD_MESSAGES_PER_SECOND", default_value_t = 5)]
    pub messages_per_second: usize,

    /// Seconds a socket may go without a word from its client, not even an answer to the
    /// server's pings (sent every third of this), before it is closed.
    #[arg(long, env = "SWITCHBOARD_SOCKET_IDLE_SECONDS", default_value_t = 75,
          value_parser = clap::value_parser!(u64).range(3..=3_600))]
    pub socket_idle_seconds: u64,

    /// Megabytes of files one visitor may upload per hour (0: no limit).
    #[arg(
        long,
        env = "SWITCHBOARD_UPLOAD_MB_PER_VISITOR_HOUR",
        default_value_t = 50
    )]
    pub upload_mb_per_visitor_hour: i64,

    /// Megabytes of files visitors at one address may upload per hour, however many visitors
    /// it starts (0: no limit).
    #[arg(
        long,
        env = "SWITCHBOARD_UPLOAD_MB_PER_ADDRESS_HOUR",
        default_value_t = 200
    )]
    pub upload_mb_per_address_hour: i64,

    /// Megabytes of files one conversation may hold (0: no limit).
    #[arg(
        long,
        env = "SWITCHBOARD_UPLOAD_MB_PER_CONVERSATION",
        default_value_t = 200
    )]
    pub upload_mb_per_conversation: i64,

    /// Megabytes that must stay free on the data directory's disk: below, uploads are refused
    /// (the database needs the room more).
    #[arg(long, env = "SWITCHBOARD_DISK_FLOOR_MB", default_value_t = 512)]
    pub disk_floor_mb: u64,

    /// Webhook hosts the admin trusts with plain http and private addresses (an internal
    /// helpdesk), comma-separated; any other webhook must be https to a public address.
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_TRUSTED_HOSTS", value_delimiter = ',')]
    pub webhook_trusted_hosts: Vec<String>,

    /// A header set by your reverse proxy with the visitor's address (X-Forwarded-For,
    /// X-Real-IP). Only set it behind a proxy that overwrites it.
    #[arg(long, env = "SWITCHBOARD_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// SMTP server for transcripts by email; without it no email is sent.
    #[arg(long, env = "SWITCHBOARD_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port (587 for STARTTLS, 465 for TLS, 25 or another for none).
    #[arg(long, env = "SWITCHBOARD_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,

    /// How the SMTP connection is secured.
    #[arg(long, env = "SWITCHBOARD_SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls)]
    pub smtp_tls: SmtpTls,

    /// SMTP user name, if the server wants one.
    #[arg(long, env = "SWITCHBOARD_SMTP_USERNAME", requires = "smtp_password")]
    pub smtp_username: Option<String>,

    /// SMTP password.
    #[arg(long, env = "SWITCHBOARD_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// The sender of emails ("Support <support@example.com>").
    #[arg(
        long,
        env = "SWITCHBOARD_MAIL_FROM",
        default_value = "Switchboard <switchboard@localhost>"
    )]
    pub mail_from: String,

    /// Seconds before the first retry of an email or webhook that failed; each retry waits
    /// twice as long, at most 5 minutes, for a day.
    #[arg(long, env = "SWITCHBOARD_RETRY_AFTER", default_value_t = 20,
          value_parser = clap::value_parser!(i64).range(1..=300))]
    pub retry_after: i64,

    /// Days the event log is kept. Clients that reconnect after missing older events reload
    /// their view instead of replaying; pruning runs at start-up and every hour.
    #[arg(long, env = "SWITCHBOARD_KEEP_EVENTS_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..=3_650))]
    pub keep_events_days: i64,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain text (a relay on the same machine or network).
    None,
    /// Plain, then upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl Config {
    /// The database URL: the explicit one, or `switchboard.db` in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("switchboard.db").display()
            ),
        }
    }

    /// A configuration for tests and the benchmark: a data directory, an ephemeral port.
    pub fn for_data_dir(data_dir: PathBuf) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            log: "warn".into(),
            demo: false,
            site_root: PathBuf::from("target/site"),
            admin_email: None,
            admin_password: None,
            admin_name: "Admin".into(),
            secure_cookies: false,
            offline_after: 900,
            offline_after_max_minutes: 120,
            visit_gap: 30,
            visitor_grace: 30,
            truncate_ips: false,
            geoip_db: None,
            client_ip_header: None,
            setup_token: None,
            webhook_trusted_hosts: Vec::new(),
            new_visitors_per_minute: 60,
            sockets_per_address: 50,
            messages_per_second: 5,
            api_requests_per_minute: 300,
            socket_idle_seconds: 75,
            upload_mb_per_visitor_hour: 50,
            upload_mb_per_conversation: 200,
            upload_mb_per_address_hour: 200,
            disk_floor_mb: 512,
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            mail_from: "Switchboard <switchboard@localhost>".into(),
            retry_after: 20,
            keep_events_days: 30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn switches_default_off_and_the_command_is_well_formed() {
        let parsed = Config::try_parse_from(["switchboard", "--demo", "--listen", "127.0.0.1:0"])
            .expect("flags");
        assert!(parsed.demo);
        assert!(!parsed.secure_cookies);
        assert_eq!(parsed.offline_after, 900);
        assert_eq!(parsed.visit_gap, 30);
        assert_eq!(parsed.keep_events_days, 30);
        assert!(!parsed.truncate_ips);
        assert_eq!(parsed.smtp_tls, SmtpTls::Starttls);
        assert!(parsed.smtp_host.is_none());
        let mail =
            Config::try_parse_from(["switchboard", "--smtp-host", "mail", "--smtp-tls", "none"])
                .expect("mail flags");
        assert_eq!(mail.smtp_tls, SmtpTls::None);
        assert!(
            Config::try_parse_from(["switchboard", "--smtp-username", "u"]).is_err(),
            "a user name needs its password"
        );
        assert!(Config::try_parse_from(["switchboard", "--offline-after", "0"]).is_err());
        assert!(Config::try_parse_from(["switchboard", "--keep-events-days", "0"]).is_err());
        Config::command().debug_assert();
    }
}

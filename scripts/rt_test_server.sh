#!/usr/bin/env bash
# A throw-away Request Tracker 5 for the connector tests and the burst benchmark: Debian's packages,
# a fresh SQLite database in a directory of its own, rt-server on 127.0.0.1 only.
#
#   scripts/rt_test_server.sh install   install the Debian packages when missing (root, apt)
#   scripts/rt_test_server.sh start     install if needed, create the database once, start, wait
#                                       until REST 2.0 answers; prints RT_TEST_URL=… and RT_TEST_DIR=…
#   scripts/rt_test_server.sh stop      stop the server (the database stays)
#   scripts/rt_test_server.sh restart   stop, then start on the same database
#   scripts/rt_test_server.sh reset     stop and delete the directory (a fresh database next start)
#   scripts/rt_test_server.sh status    exit 0 when REST 2.0 answers
#
# RT_TEST_DIR (default /tmp/academie-rt) holds the configuration, the database, the log and the
# pid; RT_TEST_PORT (default 9591) is the port. The root user's password is "password".
# What RT 5.0's REST 2.0 cannot do is loaded once with the database (initialdata below): the
# custom fields Catégorie, Type, Client and Procédure applied to every queue, and the rights of
# privileged users (own, see, comment and modify tickets). Notification scrips are disabled and
# mail goes to an mbox file: a test server never sends e-mail.
set -euo pipefail

DIR="${RT_TEST_DIR:-/tmp/academie-rt}"
PORT="${RT_TEST_PORT:-9591}"
URL="http://127.0.0.1:${PORT}"
RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
SETUP=/usr/sbin/rt-setup-database-5
export RT_SITE_CONFIG="$DIR/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$DIR/RT_SiteConfig.d"

log() { echo "rt_test_server: $*" >&2; }

installed() { [ -x "$RT_SERVER" ] && [ -x "$SETUP" ] && perl -MDBD::SQLite -e1 2>/dev/null; }

do_install() {
  installed && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "Request Tracker 5 is not installed and this user cannot install it (needs root and apt-get)"
    return 1
  fi
  log "installing request-tracker5, rt5-standalone, rt5-db-sqlite (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  # dbconfig-common would set up a database of its own: ours is created below.
  echo "request-tracker5 request-tracker5/dbconfig-install boolean false" | debconf-set-selections || true
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq request-tracker5 rt5-standalone rt5-db-sqlite >/dev/null 2>&1 || {
    log "apt-get install failed"; return 1; }
  installed || { log "installed, but rt-server or DBD::SQLite is still missing"; return 1; }
}

answers() { curl -fs -m 5 -u root:password "$URL/REST/2.0/queues/all" >/dev/null 2>&1; }

write_config() {
  mkdir -p "$DIR/RT_SiteConfig.d" "$DIR/mail"
  cat >"$RT_SITE_CONFIG" <<EOF
Set(\$rtname, 'academie-test');
Set(\$Organization, 'academie-test');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $PORT);
Set(\$WebBaseURL, '$URL');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$DIR/rt.sqlite');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'error');
Set(\$Timezone, 'UTC');
Set(\$MailCommand, 'mbox');
# A throw-away server: passwords hashed cheaply, or every REST call pays ~0.4 s of bcrypt.
Set(\$BcryptCost, 4);
1;
EOF
  cat >"$DIR/initialdata.pl" <<'EOF'
use utf8;
@CustomFields = (
  map { { Name => $_, Type => 'FreeformSingle', LookupType => 'RT::Queue-RT::Ticket', Queue => 0 } }
  ('Catégorie', 'Type', 'Client', 'Procédure')
);
# The connector's own account (its changes are told apart from people's).
@Users = ({ Name => 'academie', Password => 'academie-rt', EmailAddress => 'academie@example.invalid',
            RealName => 'Académie', Privileged => 1 });
@ACL = (
  # Routing an escalated ticket again gives it away from the person who escalated it.
  { UserId => 'academie', Right => 'ReassignTicket' },
  map { { GroupDomain => 'SystemInternal', GroupType => 'Privileged', Right => $_ } }
  qw(OwnTicket ShowTicket SeeQueue ModifyTicket CommentOnTicket ReplyToTicket CreateTicket
     SeeCustomField ModifyCustomField TakeTicket StealTicket ShowTicketComments)
);
@Final = (sub {
  my $scrips = RT::Scrips->new(RT->SystemUser);
  $scrips->UnLimit;
  while (my $scrip = $scrips->Next) { $scrip->SetDisabled(1) }
});
1;
EOF
}

do_start() {
  do_install || return 1
  if answers; then echo "RT_TEST_URL=$URL"; echo "RT_TEST_DIR=$DIR"; return 0; fi
  if [ ! -f "$DIR/rt.sqlite" ]; then
    write_config
    log "creating a fresh database in $DIR"
    "$SETUP" --action init --skip-create >"$DIR/setup.log" 2>&1 || { log "database init failed: see $DIR/setup.log"; return 1; }
    "$SETUP" --action insert --datafile "$DIR/initialdata.pl" --skip-create >>"$DIR/setup.log" 2>&1 \
      || { log "initial data failed: see $DIR/setup.log"; return 1; }
  fi
  log "starting rt-server on $URL"
  setsid "$RT_SERVER" --host 127.0.0.1 --port "$PORT" >>"$DIR/server.log" 2>&1 < /dev/null &
  echo $! >"$DIR/pid"
  for _ in $(seq 1 120); do
    if answers; then echo "RT_TEST_URL=$URL"; echo "RT_TEST_DIR=$DIR"; return 0; fi
    sleep 0.5
  done
  log "rt-server did not answer within 60 s: see $DIR/server.log"
  return 1
}

do_stop() {
  if [ -f "$DIR/pid" ]; then
    pid="$(cat "$DIR/pid")"
    # setsid made rt-server the leader of its own process group: its workers go with it.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$DIR/pid"
  fi
  for _ in $(seq 1 40); do answers || return 0; sleep 0.25; done
  log "something else still answers on $URL"
  return 1
}

case "${1:-}" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop && do_start ;;
  reset) do_stop || true; rm -rf "$DIR" ;;
  status) answers ;;
  *) echo "usage: $0 install|start|stop|restart|reset|status" >&2; exit 2 ;;
esac

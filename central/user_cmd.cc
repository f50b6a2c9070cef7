#include "central/user_cmd.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "central/audit.h"
#include "central/central_store.h"
#include "central/users.h"
#include "schema/json_util.h"

namespace hoso::central {

const char kUserUsage[] =
    "usage: hoso-central user add USERNAME --data DIR --role ROLE [--unit CODE] [--name NAME]\n"
    "                             [--password-file FILE]\n"
    "       hoso-central user list --data DIR [--json]\n"
    "       hoso-central user disable USERNAME --data DIR\n"
    "       hoso-central user enable USERNAME --data DIR\n"
    "       hoso-central user passwd USERNAME --data DIR [--password-file FILE]\n"
    "ROLE is admin, supervisor, officer or dispatcher; every role but admin needs --unit.\n"
    "The password is the first line of --password-file or of stdin (asked twice when stdin\n"
    "is a terminal); it is never given on the command line. At least 10 characters.\n";

namespace {

constexpr char kProgram[] = "hoso-central";

// Drops one trailing "\n" or "\r\n": what a line read from a file ends in.
std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> AskTwice(const std::string& username) {
  termios old_mode;
  if (::tcgetattr(STDIN_FILENO, &old_mode) != 0) {
    return Status::IoError("cannot read the terminal settings");
  }
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  std::string first;
  std::string second;
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::cerr << "New password for " << username << ": " << std::flush;
  std::getline(std::cin, first);
  std::cerr << "\nAgain: " << std::flush;
  std::getline(std::cin, second);
  std::cerr << "\n";
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
  if (first != second) return Status::InvalidArgument("the two passwords differ", "password");
  return FirstLine(first);
}

Result<std::string> ReadPassword(const cli::Args& a, const std::string& username) {
  if (auto file = a.Get("password-file")) {
    HOSO_ASSIGN_OR_RETURN(std::string text, PosixFileSystem()->ReadFile(*file));
    return FirstLine(text);
  }
  if (::isatty(STDIN_FILENO)) return AskTwice(username);
  std::string line;
  if (!std::getline(std::cin, line) && line.empty()) {
    return Status::InvalidArgument("no password on stdin (or give --password-file)", "password");
  }
  return FirstLine(line);
}

Result<std::string> OneUsername(const cli::Args& a, const std::string& sub) {
  if (a.positional().size() != 2) {
    return Status::InvalidArgument("usage: hoso-central user " + sub + " USERNAME --data DIR ...");
  }
  return a.positional()[1];
}

int Add(const cli::Args& a, CentralStore* store) {
  auto username = OneUsername(a, "add");
  if (!username.ok()) return cli::Fail(kProgram, username.status());
  auto role_name = a.Require("role");
  if (!role_name.ok()) return cli::Fail(kProgram, role_name.status());
  auto role = ParseRole(*role_name);
  if (!role.ok()) return cli::Fail(kProgram, role.status());
  NewUser nu;
  nu.username = *username;
  nu.display_name = a.Get("name").value_or("");
  nu.role = *role;
  nu.unit_code = a.Get("unit");
  auto password = ReadPassword(a, *username);
  if (!password.ok()) return cli::Fail(kProgram, password.status());
  UserAdmin users(store);
  auto user = users.AddUser(nu, *password, Actor::Cli());
  if (!user.ok()) return cli::Fail(kProgram, user.status());
  std::cout << "added " << RoleName(user->role) << " " << user->username << " ("
            << user->display_name << (user->unit_code ? ", unit " + *user->unit_code : "") << ")\n";
  return 0;
}

int List(const cli::Args& a, CentralStore* store) {
  UserAdmin users(store);
  auto list = users.ListUsers();
  if (!list.ok()) return cli::Fail(kProgram, list.status());
  if (a.Has("json")) {
    json::array arr;
    for (const User& u : *list) arr.push_back(u.ToJson());
    std::cout << ToPrettyJson(json::object{{"users", std::move(arr)}});
    return 0;
  }
  for (const User& u : *list) {
    std::cout << u.username << "  " << RoleName(u.role) << "  " << u.unit_code.value_or("-") << "  "
              << u.display_name << (u.disabled ? "  disabled" : "") << "\n";
  }
  return 0;
}

}  // namespace

int CmdUser(const cli::Args& a) {
  if (a.Has("password")) {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "passwords are never given on the command line (ps and shell "
                                   "history would show them); use stdin or --password-file",
                                   "password"));
  }
  const std::vector<std::string>& pos = a.positional();
  const std::string sub = pos.empty() ? "" : pos[0];
  if (sub != "add" && sub != "list" && sub != "disable" && sub != "enable" && sub != "passwd") {
    return cli::Fail(kProgram,
                     Status::InvalidArgument(sub.empty() ? "usage: hoso-central user "
                                                           "add|list|disable|enable|passwd ..."
                                                         : "unknown user command '" + sub + "'"));
  }
  auto dir = a.Require("data");
  if (!dir.ok()) return cli::Fail(kProgram, dir.status());
  auto store = CentralStore::Open(*dir);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  if (sub == "add") return Add(a, store->get());
  if (sub == "list") return List(a, store->get());

  auto username = OneUsername(a, sub);
  if (!username.ok()) return cli::Fail(kProgram, username.status());
  UserAdmin users(store->get());
  if (sub == "passwd") {
    auto password = ReadPassword(a, *username);
    if (!password.ok()) return cli::Fail(kProgram, password.status());
    Status s = users.SetPassword(*username, *password, Actor::Cli());
    if (!s.ok()) return cli::Fail(kProgram, s);
    std::cout << "password of " << *username << " changed; their sessions are ended\n";
    return 0;
  }
  Status s = sub == "disable" ? users.Disable(*username, Actor::Cli())
                              : users.Enable(*username, Actor::Cli());
  if (!s.ok()) return cli::Fail(kProgram, s);
  std::cout << sub << "d user " << *username << "\n";
  return 0;
}

}  // namespace hoso::central

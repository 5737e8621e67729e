/* test_endpoints.c - the endpoint table against ece-events.md section 3: one vector per
 * catalogue row (method, path -> class, severity, read-only), priorities, legacy routes. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "endpoints.h"
#include "normalize.h"

#define D "/deployments/3f6e9c1b2a8d4e7f9b0c5d6a7e8f9a0b"
#define ES D "/elasticsearch/main-elasticsearch"
#define TF "/deployments/traffic-filter"
#define PI "/platform/infrastructure"
#define PC "/platform/configuration"
#define CL "/clusters/elasticsearch/0a1b2c3d4e5f60718293a4b5c6d7e8f9"

struct vec {
    const char *method, *path;
    int status;
    const char *class;
    int sev, ro;
};

static struct audit_event ev;

static int classify(const char *method, const char *path, int status)
{
    ev_reset(&ev);
    ev_set(&ev, &ev.method, method);
    ev_set(&ev, &ev.path, path);
    ev.status = status;
    return endpoints_classify(&ev);
}

static void run(const struct vec *v, size_t n)
{
    int bad = 0;

    for (size_t i = 0; i < n; i++) {
        int rc = classify(v[i].method, v[i].path, v[i].status);
        bool unknown = strncmp(v[i].class, "api.unknown.", 12) == 0;
        if (strcmp(ev.class, v[i].class) != 0 || ev.severity != v[i].sev || ev.read_only != (v[i].ro != 0) ||
            rc != (unknown ? 1 : 0)) {
            print_error("%s %s (%d): got %s sev %d ro %d rc %d, want %s sev %d ro %d\n", v[i].method,
                        v[i].path, v[i].status, ev.class, ev.severity, ev.read_only, rc, v[i].class, v[i].sev, v[i].ro);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static const struct vec auth_vecs[] = { /* 3.1 + 3.2 */
    { "POST", "/users/auth/_login", 200, "auth.login.success", 3, 0 },
    { "POST", "/users/auth/_login", 401, "auth.login.failure", 5, 0 },
    { "POST", "/users/auth/_login", -1, "auth.login.failure", 5, 0 },
    { "POST", "/users/auth/_logout", 200, "auth.logout", 1, 0 },
    { "POST", "/users/auth/_refresh", 200, "auth.token.refresh", 1, 0 },
    { "POST", "/users/auth/_refresh", 401, "auth.token.refresh", 2, 0 },
    { "GET", "/users/auth/saml/_init", 200, "auth.saml.init", 2, 1 },
    { "POST", "/users/auth/saml/_callback", 302, "auth.saml.login.success", 3, 0 },
    { "POST", "/users/auth/saml/_callback", 401, "auth.saml.login.failure", 6, 0 },
    { "GET", "/users/auth", 200, "auth.info.read", 0, 1 },
    { "GET", "/users/auth/methods", 200, "auth.info.read", 0, 1 },
    { "POST", "/users/auth/reauthenticate", 200, "auth.reauthenticate", 3, 0 },
    { "POST", "/users/auth/_elevate", 200, "auth.elevate.enable", 7, 0 },
    { "DELETE", "/users/auth/_elevate", 200, "auth.elevate.disable", 3, 0 },
    { "POST", "/users/auth/keys", 201, "auth.apikey.create", 7, 0 },
    { "DELETE", "/users/auth/keys", 200, "auth.apikey.delete", 5, 0 },
    { "DELETE", "/users/auth/keys/Jq3vX5oBn8cK2wLp7RzA", 200, "auth.apikey.delete", 5, 0 },
    { "DELETE", "/users/auth/keys/_all", 200, "auth.apikey.delete_multi_user", 8, 0 },
    { "DELETE", "/users/bob/auth/keys", 200, "auth.apikey.delete_user", 6, 0 },
    { "DELETE", "/users/bob/auth/keys/Jq3vX5oBn8cK2wLp7RzA", 200, "auth.apikey.delete_user", 6, 0 },
    { "GET", "/users/auth/keys", 200, "auth.apikey.read", 0, 1 },
    { "GET", "/users/auth/keys/Jq3vX5oBn8cK2wLp7RzA", 200, "auth.apikey.read", 0, 1 },
    { "GET", "/users/auth/keys/_all", 200, "auth.apikey.read_all", 2, 1 },
    { "GET", "/users/bob/auth/keys", 200, "auth.apikey.read_all", 2, 1 },
    { "GET", "/users/bob/auth/keys/Jq3vX5oBn8cK2wLp7RzA", 200, "auth.apikey.read_all", 2, 1 },
};

static const struct vec user_vecs[] = { /* 3.3 */
    { "POST", "/users", 200, "user.create", 7, 0 },
    { "PATCH", "/users/bob", 200, "user.update", 6, 0 },
    { "DELETE", "/users/bob", 200, "user.delete", 6, 0 },
    { "PATCH", "/user", 200, "user.self_update", 5, 0 },
    { "POST", "/users/bob/role_assignments", 200, "user.role_assignment.add", 8, 0 },
    { "DELETE", "/users/bob/role_assignments", 200, "user.role_assignment.remove", 6, 0 },
    { "PUT", "/account", 200, "account.update", 3, 0 },
    { "PATCH", "/account", 200, "account.update", 3, 0 },
    { "GET", "/users", 200, "user.read", 0, 1 },
    { "GET", "/users/bob", 200, "user.read", 0, 1 },
    { "GET", "/user", 200, "user.read", 0, 1 },
};

static const struct vec deployment_vecs[] = { /* 3.4 - 3.7 */
    { "POST", "/deployments", 201, "deployment.create", 5, 0 },
    { "PUT", D, 200, "deployment.update", 5, 0 },
    { "DELETE", D, 200, "deployment.delete", 8, 0 },
    { "POST", D "/_shutdown", 200, "deployment.shutdown", 8, 0 },
    { "POST", D "/_restore", 200, "deployment.restore", 5, 0 },
    { "POST", D "/_resync", 200, "deployment.resync", 2, 0 },
    { "POST", "/deployments/_resync", 200, "deployment.resync", 2, 0 },
    { "DELETE", D "/kibana/main-kibana/plan/pending", 200, "deployment.plan.cancel", 5, 0 },
    { "POST", ES "/metadata/raw", 200, "deployment.metadata.set_raw", 7, 0 },
    { "POST", "/deployments/_search", 200, "deployment.search", 0, 1 },
    { "POST", "/deployments/eligible-remote-clusters", 200, "deployment.search", 0, 1 },
    { "POST", ES "/eligible-remote-clusters", 200, "deployment.search", 0, 1 },
    { "GET", "/deployments", 200, "deployment.read", 0, 1 },
    { "GET", D, 200, "deployment.read", 0, 1 },
    { "GET", D "/health", 200, "deployment.read", 0, 1 },
    { "GET", D "/activity", 200, "deployment.read", 0, 1 },
    { "GET", D "/heap_dumps", 200, "deployment.read", 0, 1 },
    { "GET", D "/certificate-authority", 200, "deployment.read", 0, 1 },
    { "POST", ES "/_restart", 202, "deployment.resource.restart", 6, 0 },
    { "POST", D "/kibana/main-kibana/_restart", 202, "deployment.resource.restart", 5, 0 },
    { "POST", ES "/_shutdown", 200, "deployment.resource.shutdown", 7, 0 },
    { "POST", D "/apm/main-apm/_shutdown", 200, "deployment.resource.shutdown", 6, 0 },
    { "DELETE", D "/enterprise_search/main-es", 200, "deployment.resource.delete", 6, 0 },
    { "POST", ES "/_restore", 200, "deployment.resource.restore", 4, 0 },
    { "POST", D "/integrations_server/main-is/_upgrade", 200, "deployment.resource.upgrade", 5, 0 },
    { "POST", ES "/instances/_stop", 200, "deployment.instance.stop", 6, 0 },
    { "POST", ES "/instances/instance-0000000001,instance-0000000002/_stop", 200, "deployment.instance.stop", 6, 0 },
    { "POST", ES "/instances/_start", 200, "deployment.instance.start", 4, 0 },
    { "POST", D "/kibana/kb/instances/instance-0000000001/_start", 200, "deployment.instance.start", 4, 0 },
    { "POST", ES "/instances/maintenance-mode/_start", 200, "deployment.instance.maintenance.start", 5, 0 },
    { "POST", ES "/instances/instance-0000000001/maintenance-mode/_start", 200, "deployment.instance.maintenance.start", 5, 0 },
    { "POST", ES "/instances/maintenance-mode/_stop", 200, "deployment.instance.maintenance.stop", 4, 0 },
    { "POST", ES "/instances/instance-0000000001/maintenance-mode/_stop", 200, "deployment.instance.maintenance.stop", 4, 0 },
    { "PUT", ES "/instances/overrides", 200, "deployment.instance.overrides.set", 5, 0 },
    { "PUT", ES "/instances/instance-0000000001/overrides", 200, "deployment.instance.overrides.set", 5, 0 },
    { "POST", ES "/instances/instance-0000000001/_move", 202, "deployment.instance.move", 5, 0 },
    { "POST", ES "/_enable-ilm", 200, "deployment.resource.migrate", 4, 0 },
    { "POST", ES "/_enable-slm", 200, "deployment.resource.migrate", 4, 0 },
    { "POST", ES "/_enable-ccr", 200, "deployment.resource.migrate", 4, 0 },
    { "PUT", D "/appsearch/main-as/read_only_mode", 200, "deployment.appsearch.read_only.set", 4, 0 },
    { "POST", ES "/_reset-password", 200, "deployment.elastic_password.reset", 9, 0 },
    { "POST", D "/apm/main-apm/_reset-token", 200, "deployment.apm_token.reset", 7, 0 },
    { "POST", D "/integrations_server/main-is/_reset-token", 200, "deployment.apm_token.reset", 7, 0 },
    { "PATCH", ES "/keystore", 200, "deployment.keystore.update", 8, 0 },
    { "GET", ES "/keystore", 200, "deployment.keystore.read", 2, 1 },
    { "PUT", ES "/remote-clusters", 200, "deployment.remote_clusters.set", 7, 0 },
    { "POST", TF "/rulesets", 201, "network.traffic_filter.create", 6, 0 },
    { "PUT", TF "/rulesets/7d2a9e4c", 200, "network.traffic_filter.update", 7, 0 },
    { "DELETE", TF "/rulesets/7d2a9e4c", 200, "network.traffic_filter.delete", 7, 0 },
    { "POST", TF "/rulesets/7d2a9e4c/associations", 200, "network.traffic_filter.associate", 5, 0 },
    { "DELETE", TF "/rulesets/7d2a9e4c/associations/deployment/3f6e9c1b", 200, "network.traffic_filter.disassociate", 7, 0 },
    { "POST", TF "/link-ids/_claim", 200, "network.traffic_filter.link_id.claim", 5, 0 },
    { "POST", TF "/link-ids/_unclaim", 200, "network.traffic_filter.link_id.unclaim", 5, 0 },
    { "POST", "/deployments/ip-filtering/rulesets", 201, "network.traffic_filter.create", 6, 0 },
    { "PUT", "/deployments/ip-filtering/rulesets/r1", 200, "network.traffic_filter.update", 7, 0 },
    { "DELETE", "/deployments/ip-filtering/rulesets/r1/associations/deployment/d1", 200, "network.traffic_filter.disassociate", 7, 0 },
    { "GET", ES "/proxy/_cat/indices", 200, "deployment.api_console.request", 2, 0 },
    { "POST", ES "/proxy/_cat/indices", 200, "deployment.api_console.request", 3, 0 },
    { "PUT", ES "/proxy/my-index", 200, "deployment.api_console.request", 5, 0 },
    { "DELETE", ES "/proxy/my-index", 200, "deployment.api_console.request", 6, 0 },
    { "PUT", ES "/proxy/_security/user/etl_writer", 200, "deployment.api_console.request", 7, 0 },
    { "GET", ES "/proxy/_snapshot/repo", 200, "deployment.api_console.request", 7, 0 },
    { "PUT", ES "/proxy/_cluster/settings", 200, "deployment.api_console.request", 7, 0 },
    { "PUT", ES "/proxy/_cluster/health", 200, "deployment.api_console.request", 5, 0 },
    { "PUT", ES "/proxy/_ilm/policy/p1", 200, "deployment.api_console.request", 7, 0 },
    { "PUT", ES "/proxy/_ingest/pipeline/p1", 200, "deployment.api_console.request", 7, 0 },
    { "POST", ES "/proxy/_license", 200, "deployment.api_console.request", 7, 0 },
    { "PUT", ES "/proxy/%5Fsecurity/role/r", 200, "deployment.api_console.request", 7, 0 },
    { "POST", D "/kibana/main-kibana/proxy/api/security/role/admin", 200, "deployment.api_console.request", 7, 0 },
    { "POST", D "/kibana/main-kibana/diagnostics/_capture", 200, "deployment.diagnostics.capture", 4, 0 },
    { "POST", ES "/instances/instance-0000000001/heap_dump/_capture", 200, "deployment.heap_dump.capture", 5, 0 },
    { "GET", ES "/instances/instance-0000000001/heap_dump/_download", 200, "deployment.heap_dump.download", 7, 0 },
    { "POST", ES "/instances/instance-0000000001/thread_dump/_capture", 200, "deployment.thread_dump.capture", 3, 0 },
};

static const struct vec misc_vecs[] = { /* 3.8, 3.11, 3.12, 3.14 */
    { "POST", "/deployments/extensions", 200, "extension.create", 7, 0 },
    { "PUT", "/deployments/extensions/ext1", 200, "extension.upload", 8, 0 },
    { "POST", "/deployments/extensions/ext1", 200, "extension.update", 7, 0 },
    { "DELETE", "/deployments/extensions/ext1", 200, "extension.delete", 5, 0 },
    { "POST", "/deployments/templates", 200, "template.create", 4, 0 },
    { "PUT", "/deployments/templates/tpl1", 200, "template.update", 5, 0 },
    { "DELETE", "/deployments/templates/tpl1", 200, "template.delete", 5, 0 },
    { "POST", PC "/templates/deployments", 200, "template.create", 4, 0 },
    { "PUT", PC "/templates/deployments/tpl1", 200, "template.update", 5, 0 },
    { "DELETE", PC "/templates/deployments/tpl1", 200, "template.delete", 5, 0 },
    { "POST", PC "/instances", 200, "instance_config.create", 4, 0 },
    { "PUT", PC "/instances/data.default", 200, "instance_config.update", 5, 0 },
    { "DELETE", PC "/instances/data.default", 200, "instance_config.delete", 5, 0 },
    { "POST", "/comments/deployment/3f6e9c1b", 200, "comment.create", 1, 0 },
    { "PUT", "/comments/deployment/3f6e9c1b/c1", 200, "comment.update", 1, 0 },
    { "DELETE", "/comments/deployment/3f6e9c1b/c1", 200, "comment.delete", 1, 0 },
    { "POST", D "/notes", 200, "comment.create", 1, 0 },
    { "PUT", D "/notes/n1", 200, "comment.update", 1, 0 },
    { "DELETE", D "/notes/n1", 200, "comment.delete", 1, 0 },
    { "PUT", "/platform/license", 200, "platform.license.set", 7, 0 },
    { "DELETE", "/platform/license", 200, "platform.license.delete", 8, 0 },
    { "POST", "/stack/versions", 200, "platform.stack_pack.upload", 7, 0 },
    { "PUT", "/stack/versions/9.2.2", 200, "platform.stack_version.update", 6, 0 },
    { "DELETE", "/stack/versions/9.2.2", 200, "platform.stack_version.delete", 6, 0 },
    { "GET", "/platform/license", 200, "platform.read", 0, 1 },
    { "GET", "/platform/license/eula", 200, "platform.read", 0, 1 },
    { "GET", "/stack/versions", 200, "platform.read", 0, 1 },
    { "GET", "/stack/versions/9.2.2", 200, "platform.read", 0, 1 },
    { "GET", "/stack/instance-types", 200, "platform.read", 0, 1 },
    { "PUT", "/organizations/6b0e6a9c", 200, "org.update", 5, 0 },
    { "POST", "/organizations/6b0e6a9c/invitations", 200, "org.invitation.create", 6, 0 },
    { "DELETE", "/organizations/6b0e6a9c/invitations/REDACTED", 200, "org.invitation.delete", 4, 0 },
    { "POST", "/organizations/invitations/REDACTED/_accept", 200, "org.invitation.accept", 6, 0 },
    { "DELETE", "/organizations/6b0e6a9c/members/u1,u2", 200, "org.member.remove", 6, 0 },
    { "GET", "/sso/v1/go/ec:6b0e6a9c:c9d8e7f6", 200, "deployment.sso.login", 5, 0 },
    { "GET", "/sso/v1/saml", 303, "deployment.sso.saml_redirect", 1, 1 },
    { "POST", "/authorization/_check", 200, "ui.authorization.check", 0, 1 },
    { "POST", "/api/v0.1/login", 200, "internal.service_login", 0, 1 },
};

static const struct vec platform_vecs[] = { /* 3.9, 3.10 */
    { "POST", PI "/allocators/192.168.44.21/maintenance-mode/_start", 202, "platform.allocator.maintenance.start", 6, 0 },
    { "POST", PI "/allocators/192.168.44.21/maintenance-mode/_stop", 202, "platform.allocator.maintenance.stop", 4, 0 },
    { "POST", PI "/allocators/192.168.44.21/clusters/_move", 202, "platform.allocator.vacate", 6, 0 },
    { "POST", PI "/allocators/192.168.44.21/clusters/elasticsearch/_move", 202, "platform.allocator.vacate", 6, 0 },
    { "DELETE", PI "/allocators/192.168.44.21", 200, "platform.allocator.delete", 8, 0 },
    { "PUT", PI "/allocators/192.168.44.21/settings", 200, "platform.allocator.settings.update", 5, 0 },
    { "PATCH", PI "/allocators/192.168.44.21/settings", 200, "platform.allocator.settings.update", 5, 0 },
    { "PUT", PI "/allocators/192.168.44.21/metadata", 200, "platform.allocator.metadata.update", 4, 0 },
    { "PUT", PI "/allocators/192.168.44.21/metadata/zone", 200, "platform.allocator.metadata.update", 4, 0 },
    { "DELETE", PI "/allocators/192.168.44.21/metadata/zone", 200, "platform.allocator.metadata.update", 4, 0 },
    { "DELETE", PI "/runners/192.168.44.21", 200, "platform.runner.delete", 8, 0 },
    { "PUT", PI "/runners/192.168.44.21/roles", 200, "platform.runner.roles.set", 8, 0 },
    { "POST", PI "/constructors/c1/maintenance-mode/_start", 200, "platform.constructor.maintenance.start", 6, 0 },
    { "POST", PI "/constructors/c1/maintenance-mode/_stop", 200, "platform.constructor.maintenance.stop", 4, 0 },
    { "POST", PI "/coordinators/candidates/cand1/_promote", 200, "platform.coordinator.promote", 8, 0 },
    { "POST", PI "/coordinators/coord1/_demote", 200, "platform.coordinator.demote", 8, 0 },
    { "DELETE", PI "/coordinators/candidates/cand1", 200, "platform.coordinator_candidate.delete", 6, 0 },
    { "PUT", PI "/proxies/settings", 200, "platform.proxy.settings.update", 7, 0 },
    { "PATCH", PI "/proxies/settings", 200, "platform.proxy.settings.update", 7, 0 },
    { "POST", PI "/proxies/filtered-groups", 200, "platform.proxy.group.create", 4, 0 },
    { "PUT", PI "/proxies/filtered-groups/g1", 200, "platform.proxy.group.update", 4, 0 },
    { "DELETE", PI "/proxies/filtered-groups/g1", 200, "platform.proxy.group.delete", 4, 0 },
    { "POST", PI "/blueprinter/roles", 200, "platform.blueprinter.role.create", 7, 0 },
    { "PUT", PI "/blueprinter/roles/r1", 200, "platform.blueprinter.role.update", 7, 0 },
    { "DELETE", PI "/blueprinter/roles/r1", 200, "platform.blueprinter.role.delete", 7, 0 },
    { "PUT", PI "/blueprinter/roles/r1/blessings", 200, "platform.blueprinter.blessing.set", 7, 0 },
    { "PUT", PI "/blueprinter/roles/r1/blessings/runner1", 200, "platform.blueprinter.blessing.set", 7, 0 },
    { "PUT", PI "/allocators/a1/logging_settings", 200, "platform.logging_settings.update", 5, 0 },
    { "PATCH", PI "/runners/r1/logging_settings", 200, "platform.logging_settings.update", 5, 0 },
    { "DELETE", PI "/constructors/c1/logging_settings", 200, "platform.logging_settings.update", 5, 0 },
    { "PUT", PI "/adminconsoles/ac1/logging_settings", 200, "platform.logging_settings.update", 7, 0 },
    { "POST", PI "/adminconsoles/_reindex", 200, "platform.adminconsole.reindex", 4, 0 },
    { "POST", PI "/allocators/_resync", 200, "platform.resync", 2, 0 },
    { "POST", PI "/allocators/a1/_resync", 200, "platform.resync", 2, 0 },
    { "POST", PI "/runners/_resync", 200, "platform.resync", 2, 0 },
    { "POST", PI "/runners/r1/_resync", 200, "platform.resync", 2, 0 },
    { "POST", PI "/constructors/_resync", 200, "platform.resync", 2, 0 },
    { "POST", PI "/constructors/c1/_resync", 200, "platform.resync", 2, 0 },
    { "POST", PI "/allocators/_search", 200, "platform.search", 0, 1 },
    { "POST", PI "/runners/_search", 200, "platform.search", 0, 1 },
    { "GET", PI "/allocators", 200, "platform.read", 0, 1 },
    { "POST", PC "/security/realms/ldap", 200, "platform.security_realm.create", 8, 0 },
    { "POST", PC "/security/realms/active-directory", 200, "platform.security_realm.create", 8, 0 },
    { "POST", PC "/security/realms/saml", 200, "platform.security_realm.create", 8, 0 },
    { "PUT", PC "/security/realms/ldap/corp-ldap", 200, "platform.security_realm.update", 8, 0 },
    { "DELETE", PC "/security/realms/saml/corp-saml", 200, "platform.security_realm.delete", 8, 0 },
    { "POST", PC "/security/realms/_reorder", 200, "platform.security_realm.reorder", 6, 0 },
    { "POST", PC "/security/deployment", 200, "platform.security_deployment.create", 8, 0 },
    { "PUT", PC "/security/deployment", 200, "platform.security_deployment.update", 8, 0 },
    { "POST", PC "/security/deployment/_enable", 200, "platform.security_deployment.enable", 8, 0 },
    { "POST", PC "/security/deployment/_disable", 200, "platform.security_deployment.disable", 9, 0 },
    { "POST", PC "/security/tls/adminconsole", 200, "platform.tls_certificate.set", 8, 0 },
    { "PUT", PC "/security/extra_certs/ca1", 200, "platform.extra_certificate.set", 7, 0 },
    { "DELETE", PC "/security/extra_certs/ca1", 200, "platform.extra_certificate.delete", 6, 0 },
    { "POST", PC "/security/enrollment-tokens", 200, "platform.enrollment_token.create", 9, 0 },
    { "DELETE", PC "/security/enrollment-tokens/REDACTED", 200, "platform.enrollment_token.delete", 5, 0 },
    { "POST", PC "/trust-relationships", 200, "platform.trust_relationship.create", 8, 0 },
    { "PUT", PC "/trust-relationships/t1", 200, "platform.trust_relationship.update", 8, 0 },
    { "DELETE", PC "/trust-relationships/t1", 200, "platform.trust_relationship.delete", 8, 0 },
    { "PUT", PC "/snapshots/repositories/s3repo", 200, "platform.snapshot_repository.set", 7, 0 },
    { "DELETE", PC "/snapshots/repositories/s3repo", 200, "platform.snapshot_repository.delete", 7, 0 },
    { "POST", PC "/store/opt1", 200, "platform.config_store.create", 5, 0 },
    { "PUT", PC "/store/opt1", 200, "platform.config_store.update", 5, 0 },
    { "DELETE", PC "/store/opt1", 200, "platform.config_store.delete", 5, 0 },
    { "PUT", PC "/api_base_url", 200, "platform.api_base_url.set", 6, 0 },
    { "PUT", PC "/networking/deployment_domain_name", 200, "platform.domain_name.set", 6, 0 },
    { "PUT", PC "/networking/deployment_domain_name/kibana", 200, "platform.domain_name.set", 6, 0 },
    { "PUT", "/phone-home/config", 200, "platform.telemetry.set", 3, 0 },
    { "GET", PC "/security/realms", 200, "platform.config.read", 0, 1 },
    { "GET", PC "/instances", 200, "platform.config.read", 0, 1 },
};

static const struct vec legacy_vecs[] = { /* 3.13 */
    { "POST", "/clusters/elasticsearch", 201, "deployment.create", 5, 0 },
    { "POST", "/clusters/kibana", 201, "deployment.create", 5, 0 },
    { "POST", CL "/plan", 202, "deployment.update", 5, 0 },
    { "POST", CL "/plan/_migrate", 202, "deployment.update", 5, 0 },
    { "DELETE", CL, 200, "deployment.delete", 8, 0 },
    { "POST", "/clusters/kibana/k1/_shutdown", 200, "deployment.shutdown", 8, 0 },
    { "POST", CL "/_restart", 202, "deployment.resource.restart", 6, 0 },
    { "POST", "/clusters/apm/a1/_upgrade", 202, "deployment.resource.upgrade", 5, 0 },
    { "POST", "/clusters/apm/a1/_reset-token", 200, "deployment.apm_token.reset", 7, 0 },
    { "PATCH", CL "/keystore", 200, "deployment.keystore.update", 8, 0 },
    { "PUT", CL "/settings/security/legacy", 200, "deployment.legacy_security.set", 8, 0 },
    { "PUT", CL "/ccs/settings", 200, "deployment.remote_clusters.set", 7, 0 },
    { "PATCH", CL "/snapshot/settings", 200, "deployment.snapshot_settings.update", 6, 0 },
    { "POST", CL "/_snapshot", 200, "deployment.snapshot.take", 3, 0 },
    { "POST", CL "/monitoring", 200, "deployment.monitoring.set", 4, 0 },
    { "POST", CL "/monitoring/m1", 200, "deployment.monitoring.set", 4, 0 },
    { "DELETE", CL "/monitoring", 200, "deployment.monitoring.cancel", 4, 0 },
    { "DELETE", CL "/monitoring/m1", 200, "deployment.monitoring.cancel", 4, 0 },
    { "POST", CL "/metadata/raw", 200, "deployment.metadata.set_raw", 7, 0 },
    { "PUT", CL "/metadata/name/newname", 200, "deployment.rename", 3, 0 },
    { "DELETE", CL "/plan/pending", 200, "deployment.plan.cancel", 5, 0 },
    { "POST", CL "/instances/_start", 200, "deployment.instance.start", 4, 0 },
    { "POST", CL "/instances/i1,i2/_stop", 200, "deployment.instance.stop", 6, 0 },
    { "POST", CL "/instances/i1/_move", 200, "deployment.instance.move", 5, 0 },
    { "POST", CL "/instances/maintenance-mode/_start", 200, "deployment.instance.maintenance.start", 5, 0 },
    { "POST", CL "/instances/i1/maintenance-mode/_stop", 200, "deployment.instance.maintenance.stop", 4, 0 },
    { "DELETE", CL "/proxy/my-index", 200, "deployment.api_console.request", 6, 0 },
    { "GET", CL "/proxy/_security/_authenticate", 200, "deployment.api_console.request", 7, 0 },
    { "GET", CL "/support/_generate-diagnostics", 200, "deployment.diagnostics.capture", 4, 0 },
    { "GET", CL "/support/_generate-logs", 200, "deployment.diagnostics.capture", 4, 0 },
    { "GET", CL, 200, "deployment.read", 0, 1 },
};

static const struct vec fallback_vecs[] = {
    { "POST", "/no/such/thing", 200, "api.unknown.post", 3, 0 },
    { "PUT", "/deployments", 200, "api.unknown.put", 3, 0 },
    { "DELETE", "/users", 200, "api.unknown.delete", 3, 0 },
    { "PATCH", "/deployments", 200, "api.unknown.patch", 3, 0 },
    { "GET", "/no/such/thing", 200, "api.unknown.get", 1, 1 },
    { "OPTIONS", "/deployments", 200, "api.unknown.options", 3, 0 },
    { "BREW", "/deployments", 200, "api.unknown.other", 3, 0 },
    { "POST", D "/nosuchkind/ref/_restart", 200, "api.unknown.post", 3, 0 },
    { "POST", "/", 200, "api.unknown.post", 3, 0 },
    { "POST", "/api/v1", 200, "api.unknown.post", 3, 0 },
};

static void t_auth(void **s) { (void)s; run(auth_vecs, sizeof(auth_vecs) / sizeof(auth_vecs[0])); }
static void t_users(void **s) { (void)s; run(user_vecs, sizeof(user_vecs) / sizeof(user_vecs[0])); }
static void t_deployments(void **s) { (void)s; run(deployment_vecs, sizeof(deployment_vecs) / sizeof(deployment_vecs[0])); }
static void t_platform(void **s) { (void)s; run(platform_vecs, sizeof(platform_vecs) / sizeof(platform_vecs[0])); }
static void t_misc(void **s) { (void)s; run(misc_vecs, sizeof(misc_vecs) / sizeof(misc_vecs[0])); }
static void t_legacy(void **s) { (void)s; run(legacy_vecs, sizeof(legacy_vecs) / sizeof(legacy_vecs[0])); }
static void t_fallback(void **s) { (void)s; run(fallback_vecs, sizeof(fallback_vecs) / sizeof(fallback_vecs[0])); }

/* Placeholders fill the target fields; IDs are percent-decoded. */
static void t_targets(void **s)
{
    (void)s;
    assert_int_equal(classify("POST", ES "/_restart", 202), 0);
    assert_string_equal(ev.deployment_id, "3f6e9c1b2a8d4e7f9b0c5d6a7e8f9a0b");
    assert_string_equal(ev.ref_id, "main-elasticsearch");
    assert_string_equal(ev.resource_kind, "elasticsearch");
    assert_null(ev.target_user);

    classify("PATCH", "/users/m%C3%BCller.j%C3%BCrgen", 200);
    assert_string_equal(ev.class, "user.update");
    assert_string_equal(ev.target_user, "m\xC3\xBCller.j\xC3\xBCrgen");

    classify("DELETE", "/users/a%2Fb", 200); /* an encoded slash stays inside the one segment */
    assert_string_equal(ev.class, "user.delete");
    assert_string_equal(ev.target_user, "a/b");

    classify("DELETE", "/users/bob/auth/keys/k1", 200);
    assert_string_equal(ev.target_user, "bob");

    classify("POST", "/clusters/kibana/0a1b2c3d/_restart", 202);
    assert_string_equal(ev.deployment_id, "0a1b2c3d");
    assert_string_equal(ev.resource_kind, "kibana");

    classify("GET", "/sso/v1/go/ec:6b0e6a9c8d7f4e3a2b1c0d9e8f7a6b5c:c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4", 200);
    assert_string_equal(ev.deployment_id, "c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4");

    /* an invalid UTF-8 or NUL byte in a decoded ID is replaced, never stored raw */
    classify("DELETE", "/users/x%FFy%00z", 200);
    assert_string_equal(ev.target_user, "x\xEF\xBF\xBDy\xEF\xBF\xBDz");

    /* the catch-all keeps the rest (slashes included) for the escalators */
    struct ep_match m;
    ev_reset(&ev);
    ev_set(&ev, &ev.method, "GET");
    ev_set(&ev, &ev.path, ES "/proxy/_cat/indices/a,b");
    assert_int_equal(endpoints_match(&ev, &m), 0);
    assert_int_equal(m.esc, ESC_PROXY);
    assert_int_equal((int)m.rest_len, (int)strlen("_cat/indices/a,b"));
    assert_memory_equal(m.rest, "_cat/indices/a,b", m.rest_len);
    const char *v = ep_var(&m, "ref_id", NULL);
    assert_non_null(v);
    assert_string_equal(v, "main-elasticsearch");
}

/* Literal segments beat placeholders by score, not by row order (section 2.7 step 4). */
static void t_priority(void **s)
{
    static const struct vec v[] = {
        /* "{instance_ids}/_start" comes first in the table; the literal maintenance-mode wins */
        { "POST", ES "/instances/maintenance-mode/_start", 200, "deployment.instance.maintenance.start", 5, 0 },
        /* "{component}" comes first; the literal adminconsoles wins */
        { "PUT", PI "/adminconsoles/ac1/logging_settings", 200, "platform.logging_settings.update", 7, 0 },
        { "POST", "/deployments/_search", 200, "deployment.search", 0, 1 },
        { "POST", "/deployments/_resync", 200, "deployment.resync", 2, 0 },
        { "GET", "/users/auth", 200, "auth.info.read", 0, 1 },
        { "DELETE", "/users/auth/keys/_all", 200, "auth.apikey.delete_multi_user", 8, 0 },
        { "POST", PC "/security/realms/_reorder", 200, "platform.security_realm.reorder", 6, 0 },
        { "POST", PI "/allocators/_resync", 200, "platform.resync", 2, 0 },
        { "DELETE", PI "/coordinators/candidates/c1", 200, "platform.coordinator_candidate.delete", 6, 0 },
        { "PUT", PI "/proxies/settings", 200, "platform.proxy.settings.update", 7, 0 },
        { "POST", "/deployments/extensions", 200, "extension.create", 7, 0 },
        { "GET", ES "/instances/i1/heap_dump/_download", 200, "deployment.heap_dump.download", 7, 0 },
        { "GET", ES "/keystore", 200, "deployment.keystore.read", 2, 1 },
    };
    (void)s;
    run(v, sizeof(v) / sizeof(v[0]));
    classify("POST", "/deployments/_search", 200);
    assert_null(ev.deployment_id); /* not taken as {deployment_id} */
    classify("GET", "/deployments/templates", 200);
    assert_null(ev.deployment_id);
}

/* Un-normalized paths: /api/v1 and /regions/{region} are dropped, the region recorded. */
static void t_region_prefix(void **s)
{
    (void)s;
    classify("GET", "/api/v1/regions/ece-region/platform/license", 200);
    assert_string_equal(ev.class, "platform.read");
    assert_true(ev.read_only);
    assert_string_equal(ev.region, "ece-region");
    classify("POST", "/api/v1/regions/ece-region/platform/configuration/security/enrollment-tokens", 200);
    assert_string_equal(ev.class, "platform.enrollment_token.create");
    assert_int_equal(ev.severity, 9);
    classify("POST", "/api/v1/users/auth/%5Flogin", 200); /* literal compared after decoding */
    assert_string_equal(ev.class, "auth.login.success");
    classify("POST", "//users//auth/_logout/", 200); /* empty segments do not count */
    assert_string_equal(ev.class, "auth.logout");
}

/* Every row compiles and is reachable: a path built from its own template selects it. */
static void t_every_row(void **s)
{
    size_t n;
    const struct endpoint *rows = endpoints_rows(&n);
    int bad = 0;

    (void)s;
    assert_int_equal(endpoints_count(), n);
    assert_true(n >= 200); /* sections 3.1-3.14 plus read rows */
    for (size_t r = 0; r < n; r++) {
        char path[512];
        size_t o = 0;
        const char *t = rows[r].tmpl;
        static const char *const mnames[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "BREW" };
        const char *method = NULL;
        for (int b = 0; b < 6; b++) {
            if (rows[r].methods & (1u << b)) {
                method = mnames[b];
                break;
            }
        }
        assert_non_null(method);
        while (*t && o + 40 < sizeof(path)) {
            if (*t != '{') {
                path[o++] = *t++;
                continue;
            }
            const char *e = strchr(t, '}'), *c = memchr(t, ':', (size_t)(e - t));
            if (c) { /* first alternative */
                const char *bar = memchr(c, '|', (size_t)(e - c));
                size_t l = (size_t)((bar ? bar : e) - c - 1);
                memcpy(path + o, c + 1, l);
                o += l;
            } else if (strncmp(t, "{resource_kind}", 15) == 0 || strncmp(t, "{kind}", 6) == 0) {
                o += (size_t)snprintf(path + o, sizeof(path) - o, "elasticsearch");
            } else if (strncmp(t, "{stateless_resource_kind}", 25) == 0) {
                o += (size_t)snprintf(path + o, sizeof(path) - o, "kibana");
            } else if (strncmp(t, "{component}", 11) == 0) {
                o += (size_t)snprintf(path + o, sizeof(path) - o, "runners");
            } else if (e - t > 4 && memcmp(e - 3, "...", 3) == 0) {
                o += (size_t)snprintf(path + o, sizeof(path) - o, "x1/y1");
            } else {
                o += (size_t)snprintf(path + o, sizeof(path) - o, "v%zu", r);
            }
            t = e + 1;
        }
        path[o] = '\0';
        struct ep_match m;
        ev_reset(&ev);
        ev_set(&ev, &ev.method, method);
        ev_set(&ev, &ev.path, path);
        ev.status = 200;
        if (endpoints_match(&ev, &m) != 0 || m.row != (int)r) {
            print_error("row %zu %s %s: matched row %d (%s)\n", r, method, rows[r].tmpl, m.row, ev.class);
            bad++;
        }
        /* classes are domain.object.action style; severities within CEF 0..10 */
        if (strspn(rows[r].class, "abcdefghijklmnopqrstuvwxyz_.0123456789") != strlen(rows[r].class) ||
            rows[r].sev < 0 || rows[r].sev > 10 || rows[r].name == NULL)
            bad++;
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_auth),        cmocka_unit_test(t_users),    cmocka_unit_test(t_deployments),
        cmocka_unit_test(t_platform),    cmocka_unit_test(t_misc),     cmocka_unit_test(t_legacy),
        cmocka_unit_test(t_fallback),    cmocka_unit_test(t_targets),  cmocka_unit_test(t_priority),
        cmocka_unit_test(t_region_prefix), cmocka_unit_test(t_every_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

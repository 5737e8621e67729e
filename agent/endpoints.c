/* endpoints.c - the ECE API endpoint table (ece-events.md section 3): method mask + path template
 * -> class, name, base severity, read-only, escalator. Matching is endpoint_match.c.
 * Knows nothing of document shapes, payloads or output formats. */
#include "config.h"
#include "endpoints.h"
#include "normalize.h"

#define R(m, t, c, n, s) { .methods = (m), .tmpl = (t), .class = (c), .name = (n), .sev = (s), .fail_sev = -1 }
#define RE(m, t, c, n, s, e) { .methods = (m), .tmpl = (t), .class = (c), .name = (n), .sev = (s), .esc = (e), .fail_sev = -1 }
#define RO(m, t, c, n, s) { .methods = (m), .tmpl = (t), .class = (c), .name = (n), .sev = (s), .flags = EPF_RO, .fail_sev = -1 }

/* Template syntax: literal segments; {name} placeholder; {name:a|b} one of the literals (scores
 * like a literal); {resource_kind}, {stateless_resource_kind}, {kind}, {component} named sets;
 * a trailing {name...} takes the rest of the path (zero or more segments). */
#define DEP "/deployments/{deployment_id}"
#define DR  DEP "/{resource_kind}/{ref_id}"
#define DES DEP "/{resource_kind:elasticsearch}/{ref_id}"
#define DSL DEP "/{stateless_resource_kind}/{ref_id}"
#define TF  "/deployments/{:traffic-filter|ip-filtering}"
#define PI  "/platform/infrastructure"
#define PC  "/platform/configuration"
#define PCS PC "/security"
#define CL  "/clusters/{kind}/{cluster_id}"
#define CLE "/clusters/{kind:elasticsearch}/{cluster_id}"

static const struct endpoint table[] = {
    /* 3.1 authentication and sessions */
    { .methods = M_POST, .tmpl = "/users/auth/_login", .class = "auth.login.success",
      .name = "Platform login succeeded", .sev = 3, .flags = EPF_LOGIN,
      .fail_class = "auth.login.failure", .fail_name = "Platform login failed", .fail_sev = 5 },
    R(M_POST, "/users/auth/_logout", "auth.logout", "Logout", 1),
    { .methods = M_POST, .tmpl = "/users/auth/_refresh", .class = "auth.token.refresh",
      .name = "Session token refresh", .sev = 1, .fail_sev = 2 },
    RO(M_GET, "/users/auth/saml/_init", "auth.saml.init", "SAML SSO start", 2),
    { .methods = M_POST, .tmpl = "/users/auth/saml/_callback", .class = "auth.saml.login.success",
      .name = "SAML SSO login succeeded", .sev = 3, .flags = EPF_LOGIN,
      .fail_class = "auth.saml.login.failure", .fail_name = "SAML SSO login failed", .fail_sev = 6 },
    RO(M_GET, "/users/auth", "auth.info.read", "Auth info / methods", 0),
    RO(M_GET, "/users/auth/methods", "auth.info.read", "Auth info / methods", 0),
    R(M_POST, "/users/auth/reauthenticate", "auth.reauthenticate", "Re-authenticate for token", 3),
    R(M_POST, "/users/auth/_elevate", "auth.elevate.enable", "Elevated permissions on", 7),
    R(M_DELETE, "/users/auth/_elevate", "auth.elevate.disable", "Elevated permissions off", 3),
    /* 3.2 API keys */
    R(M_POST, "/users/auth/keys", "auth.apikey.create", "Create API key", 7),
    R(M_DELETE, "/users/auth/keys", "auth.apikey.delete", "Delete own API keys", 5),
    R(M_DELETE, "/users/auth/keys/{api_key_id}", "auth.apikey.delete", "Delete API key", 5),
    R(M_DELETE, "/users/auth/keys/_all", "auth.apikey.delete_multi_user", "Delete API keys of multiple users", 8),
    R(M_DELETE, "/users/{user_id}/auth/keys", "auth.apikey.delete_user", "Delete all keys of a user", 6),
    R(M_DELETE, "/users/{user_id}/auth/keys/{api_key_id}", "auth.apikey.delete_user", "Delete a user's key", 6),
    RO(M_GET, "/users/auth/keys", "auth.apikey.read", "List/get own keys", 0),
    RO(M_GET, "/users/auth/keys/{api_key_id}", "auth.apikey.read", "List/get own keys", 0),
    RO(M_GET, "/users/auth/keys/_all", "auth.apikey.read_all", "List keys of all/other users", 2),
    RO(M_GET, "/users/{user_id}/auth/keys", "auth.apikey.read_all", "List keys of all/other users", 2),
    RO(M_GET, "/users/{user_id}/auth/keys/{api_key_id}", "auth.apikey.read_all", "List keys of all/other users", 2),
    /* 3.3 users and roles */
    RE(M_POST, "/users", "user.create", "Create platform user", 7, ESC_USER_CREATE),
    RE(M_PATCH, "/users/{user_name}", "user.update", "Update user", 6, ESC_USER_UPDATE),
    R(M_DELETE, "/users/{user_name}", "user.delete", "Delete user", 6),
    R(M_PATCH, "/user", "user.self_update", "Update current user", 5),
    R(M_POST, "/users/{user_id}/role_assignments", "user.role_assignment.add", "Add role assignments", 8),
    R(M_DELETE, "/users/{user_id}/role_assignments", "user.role_assignment.remove", "Remove role assignments", 6),
    R(M_PUT | M_PATCH, "/account", "account.update", "Update current account", 3),
    RO(M_GET, "/users", "user.read", "Read users", 0),
    RO(M_GET, "/users/{user_name}", "user.read", "Read users", 0),
    RO(M_GET, "/user", "user.read", "Read users", 0),
    RO(M_GET, "/account", "account.read", "Read current account", 0),
    /* 3.4 deployments: lifecycle and plans */
    RE(M_POST, "/deployments", "deployment.create", "Create deployment", 5, ESC_DEPLOY_CREATE),
    RE(M_PUT, DEP, "deployment.update", "Update deployment", 5, ESC_DEPLOY_UPDATE),
    R(M_DELETE, DEP, "deployment.delete", "Delete deployment", 8),
    RE(M_POST, DEP "/_shutdown", "deployment.shutdown", "Shut down deployment", 8, ESC_SHUTDOWN),
    R(M_POST, DEP "/_restore", "deployment.restore", "Restore a shut-down deployment", 5),
    R(M_POST, DEP "/_resync", "deployment.resync", "Resynchronise deployment", 2),
    R(M_POST, "/deployments/_resync", "deployment.resync", "Resynchronise deployments", 2),
    R(M_DELETE, DR "/plan/pending", "deployment.plan.cancel", "Cancel pending plan", 5),
    R(M_POST, DR "/metadata/raw", "deployment.metadata.set_raw", "Set raw resource metadata", 7),
    RO(M_POST, "/deployments/_search", "deployment.search", "Search deployments", 0),
    RO(M_POST, "/deployments/eligible-remote-clusters", "deployment.search", "Search deployments", 0),
    RO(M_POST, DES "/eligible-remote-clusters", "deployment.search", "Search deployments", 0),
    RO(M_GET, "/deployments", "deployment.read", "Read deployments", 0),
    RO(M_GET, DEP "/{path...}", "deployment.read", "Read deployments", 0),
    /* 3.5 resources and instances */
    R(M_POST, DES "/_restart", "deployment.resource.restart", "Restart Elasticsearch", 6),
    R(M_POST, DSL "/_restart", "deployment.resource.restart", "Restart Kibana/APM/...", 5),
    R(M_POST, DES "/_shutdown", "deployment.resource.shutdown", "Shut down Elasticsearch resource", 7),
    R(M_POST, DSL "/_shutdown", "deployment.resource.shutdown", "Shut down Kibana/APM/...", 6),
    R(M_DELETE, DSL, "deployment.resource.delete", "Delete stateless resource", 6),
    R(M_POST, DR "/_restore", "deployment.resource.restore", "Restore resource", 4),
    R(M_POST, DSL "/_upgrade", "deployment.resource.upgrade", "Upgrade Kibana/APM/...", 5),
    R(M_POST, DR "/instances/_stop", "deployment.instance.stop", "Stop instances", 6),
    R(M_POST, DR "/instances/{instance_ids}/_stop", "deployment.instance.stop", "Stop instances", 6),
    R(M_POST, DR "/instances/_start", "deployment.instance.start", "Start instances", 4),
    R(M_POST, DR "/instances/{instance_ids}/_start", "deployment.instance.start", "Start instances", 4),
    R(M_POST, DR "/instances/maintenance-mode/_start", "deployment.instance.maintenance.start", "Stop routing to instances", 5),
    R(M_POST, DR "/instances/{instance_ids}/maintenance-mode/_start", "deployment.instance.maintenance.start", "Stop routing to instances", 5),
    R(M_POST, DR "/instances/maintenance-mode/_stop", "deployment.instance.maintenance.stop", "Resume routing", 4),
    R(M_POST, DR "/instances/{instance_ids}/maintenance-mode/_stop", "deployment.instance.maintenance.stop", "Resume routing", 4),
    R(M_PUT, DR "/instances/overrides", "deployment.instance.overrides.set", "Size/capacity overrides", 5),
    R(M_PUT, DR "/instances/{instance_ids}/overrides", "deployment.instance.overrides.set", "Size/capacity overrides", 5),
    R(M_POST, DES "/instances/{instance_ids}/_move", "deployment.instance.move", "Move Elasticsearch instances", 5),
    R(M_POST, DES "/{op:_enable-ilm|_enable-slm|_enable-ccr}", "deployment.resource.migrate", "Enable ILM/SLM/CCR", 4),
    R(M_PUT, DEP "/{resource_kind:appsearch}/{ref_id}/read_only_mode", "deployment.appsearch.read_only.set", "App Search read-only", 4),
    /* 3.6 credentials, secrets, network exposure */
    R(M_POST, DES "/_reset-password", "deployment.elastic_password.reset", "Reset elastic superuser password", 9),
    R(M_POST, DEP "/{resource_kind:apm|integrations_server}/{ref_id}/_reset-token", "deployment.apm_token.reset", "Reset APM / Integrations Server secret token", 7),
    R(M_PATCH, DES "/keystore", "deployment.keystore.update", "Add/remove Elasticsearch keystore secrets", 8),
    RO(M_GET, DES "/keystore", "deployment.keystore.read", "List keystore items", 2),
    R(M_PUT, DES "/remote-clusters", "deployment.remote_clusters.set", "Set CCS/CCR remotes", 7),
    R(M_POST, TF "/rulesets", "network.traffic_filter.create", "Create traffic-filter ruleset", 6),
    RE(M_PUT, TF "/rulesets/{ruleset_id}", "network.traffic_filter.update", "Update traffic-filter ruleset", 7, ESC_TRAFFIC_UPDATE),
    R(M_DELETE, TF "/rulesets/{ruleset_id}", "network.traffic_filter.delete", "Delete traffic-filter ruleset", 7),
    R(M_POST, TF "/rulesets/{ruleset_id}/associations", "network.traffic_filter.associate", "Attach ruleset to deployment", 5),
    R(M_DELETE, TF "/rulesets/{ruleset_id}/associations/{association_type}/{associated_entity_id}", "network.traffic_filter.disassociate", "Detach ruleset", 7),
    R(M_POST, TF "/link-ids/_claim", "network.traffic_filter.link_id.claim", "PrivateLink id claim", 5),
    R(M_POST, TF "/link-ids/_unclaim", "network.traffic_filter.link_id.unclaim", "PrivateLink id unclaim", 5),
    RO(M_GET, TF "/{path...}", "network.traffic_filter.read", "Read traffic filters", 0),
    /* 3.7 API console proxy, dumps, diagnostics */
    RE(M_ANY, DR "/proxy/{proxy_path...}", "deployment.api_console.request", "API console request", 3, ESC_PROXY),
    R(M_POST, DR "/diagnostics/_capture", "deployment.diagnostics.capture", "Capture diagnostics bundle", 4),
    R(M_POST, DR "/instances/{instance_id}/heap_dump/_capture", "deployment.heap_dump.capture", "Capture heap dump", 5),
    R(M_GET, DR "/instances/{instance_id}/heap_dump/_download", "deployment.heap_dump.download", "Download heap dump", 7),
    R(M_POST, DR "/instances/{instance_id}/thread_dump/_capture", "deployment.thread_dump.capture", "Capture thread dump", 3),
    /* 3.8 extensions, templates, instance configurations, comments */
    R(M_POST, "/deployments/extensions", "extension.create", "Create extension", 7),
    R(M_PUT, "/deployments/extensions/{extension_id}", "extension.upload", "Upload extension file", 8),
    R(M_POST, "/deployments/extensions/{extension_id}", "extension.update", "Update extension", 7),
    R(M_DELETE, "/deployments/extensions/{extension_id}", "extension.delete", "Delete extension", 5),
    RO(M_GET, "/deployments/extensions/{path...}", "extension.read", "Read extensions", 0),
    R(M_POST, "/deployments/templates", "template.create", "Create deployment template", 4),
    R(M_PUT, "/deployments/templates/{template_id}", "template.update", "Update deployment template", 5),
    R(M_DELETE, "/deployments/templates/{template_id}", "template.delete", "Delete deployment template", 5),
    RO(M_GET, "/deployments/templates/{path...}", "template.read", "Read deployment templates", 0),
    R(M_POST, PC "/templates/deployments", "template.create", "Create deployment template", 4),
    R(M_PUT, PC "/templates/deployments/{template_id}", "template.update", "Update deployment template", 5),
    R(M_DELETE, PC "/templates/deployments/{template_id}", "template.delete", "Delete deployment template", 5),
    R(M_POST, PC "/instances", "instance_config.create", "Create instance configuration", 4),
    R(M_PUT, PC "/instances/{instance_configuration_id}", "instance_config.update", "Update instance configuration", 5),
    R(M_DELETE, PC "/instances/{instance_configuration_id}", "instance_config.delete", "Delete instance configuration", 5),
    R(M_POST, "/comments/{resource_type}/{resource_id}", "comment.create", "Create comment", 1),
    R(M_PUT, "/comments/{resource_type}/{resource_id}/{comment_id}", "comment.update", "Update comment", 1),
    R(M_DELETE, "/comments/{resource_type}/{resource_id}/{comment_id}", "comment.delete", "Delete comment", 1),
    RO(M_GET, "/comments/{path...}", "comment.read", "Read comments", 0),
    R(M_POST, DEP "/notes", "comment.create", "Create note", 1),
    R(M_PUT, DEP "/notes/{note_id}", "comment.update", "Update note", 1),
    R(M_DELETE, DEP "/notes/{note_id}", "comment.delete", "Delete note", 1),
    /* 3.9 platform infrastructure */
    R(M_POST, PI "/allocators/{allocator_id}/maintenance-mode/_start", "platform.allocator.maintenance.start", "Allocator maintenance mode ON", 6),
    R(M_POST, PI "/allocators/{allocator_id}/maintenance-mode/_stop", "platform.allocator.maintenance.stop", "Allocator maintenance mode OFF", 4),
    RE(M_POST, PI "/allocators/{allocator_id}/clusters/_move", "platform.allocator.vacate", "Move clusters off allocator", 6, ESC_VACATE),
    RE(M_POST, PI "/allocators/{allocator_id}/clusters/{cluster_type}/_move", "platform.allocator.vacate", "Move clusters off allocator", 6, ESC_VACATE),
    R(M_DELETE, PI "/allocators/{allocator_id}", "platform.allocator.delete", "Delete allocator", 8),
    R(M_PUT | M_PATCH, PI "/allocators/{allocator_id}/settings", "platform.allocator.settings.update", "Allocator settings", 5),
    R(M_PUT, PI "/allocators/{allocator_id}/metadata", "platform.allocator.metadata.update", "Allocator tags", 4),
    R(M_PUT | M_DELETE, PI "/allocators/{allocator_id}/metadata/{key}", "platform.allocator.metadata.update", "Allocator tags", 4),
    R(M_DELETE, PI "/runners/{runner_id}", "platform.runner.delete", "Remove host from platform", 8),
    R(M_PUT, PI "/runners/{runner_id}/roles", "platform.runner.roles.set", "Set host roles", 8),
    R(M_POST, PI "/constructors/{constructor_id}/maintenance-mode/_start", "platform.constructor.maintenance.start", "Constructor maintenance ON", 6),
    R(M_POST, PI "/constructors/{constructor_id}/maintenance-mode/_stop", "platform.constructor.maintenance.stop", "Constructor maintenance OFF", 4),
    R(M_POST, PI "/coordinators/candidates/{coordinator_candidate_id}/_promote", "platform.coordinator.promote", "Promote coordinator", 8),
    R(M_POST, PI "/coordinators/{coordinator_id}/_demote", "platform.coordinator.demote", "Demote coordinator", 8),
    R(M_DELETE, PI "/coordinators/candidates/{coordinator_candidate_id}", "platform.coordinator_candidate.delete", "Delete coordinator candidate", 6),
    R(M_PUT | M_PATCH, PI "/proxies/settings", "platform.proxy.settings.update", "Proxy settings", 7),
    R(M_POST, PI "/proxies/filtered-groups", "platform.proxy.group.create", "Create proxy filtered group", 4),
    R(M_PUT, PI "/proxies/filtered-groups/{proxies_filtered_group_id}", "platform.proxy.group.update", "Update proxy filtered group", 4),
    R(M_DELETE, PI "/proxies/filtered-groups/{proxies_filtered_group_id}", "platform.proxy.group.delete", "Delete proxy filtered group", 4),
    R(M_POST, PI "/blueprinter/roles", "platform.blueprinter.role.create", "Create container-set role", 7),
    R(M_PUT, PI "/blueprinter/roles/{blueprinter_role_id}", "platform.blueprinter.role.update", "Update container-set role", 7),
    R(M_DELETE, PI "/blueprinter/roles/{blueprinter_role_id}", "platform.blueprinter.role.delete", "Delete container-set role", 7),
    R(M_PUT, PI "/blueprinter/roles/{blueprinter_role_id}/blessings", "platform.blueprinter.blessing.set", "Bless runner for role", 7),
    R(M_PUT, PI "/blueprinter/roles/{blueprinter_role_id}/blessings/{runner_id}", "platform.blueprinter.blessing.set", "Bless runner for role", 7),
    R(M_PUT | M_PATCH | M_DELETE, PI "/{component}/{id}/logging_settings", "platform.logging_settings.update", "Component log levels", 5),
    R(M_PUT | M_PATCH | M_DELETE, PI "/{component:adminconsoles}/{id}/logging_settings", "platform.logging_settings.update", "Admin console log levels", 7),
    R(M_POST, PI "/adminconsoles/_reindex", "platform.adminconsole.reindex", "Reindex region indices", 4),
    R(M_POST, PI "/{component:allocators|runners|constructors}/_resync", "platform.resync", "Resync", 2),
    R(M_POST, PI "/{component:allocators|runners|constructors}/{id}/_resync", "platform.resync", "Resync", 2),
    RO(M_POST, PI "/{component:allocators|runners}/_search", "platform.search", "Search platform", 0),
    RO(M_GET, "/platform/{path...}", "platform.read", "Read platform", 0),
    /* 3.10 platform configuration and security */
    R(M_POST, PCS "/realms/{realm_type}", "platform.security_realm.create", "Create security realm", 8),
    R(M_PUT, PCS "/realms/{realm_type}/{realm_id}", "platform.security_realm.update", "Update security realm", 8),
    R(M_DELETE, PCS "/realms/{realm_type}/{realm_id}", "platform.security_realm.delete", "Delete security realm", 8),
    R(M_POST, PCS "/realms/_reorder", "platform.security_realm.reorder", "Reorder security realms", 6),
    R(M_POST, PCS "/deployment", "platform.security_deployment.create", "Create security deployment", 8),
    R(M_PUT, PCS "/deployment", "platform.security_deployment.update", "Update security deployment", 8),
    R(M_POST, PCS "/deployment/_enable", "platform.security_deployment.enable", "Enable security deployment", 8),
    R(M_POST, PCS "/deployment/_disable", "platform.security_deployment.disable", "Disable security deployment", 9),
    R(M_POST, PCS "/tls/{service_name}", "platform.tls_certificate.set", "Replace TLS certificate", 8),
    R(M_PUT, PCS "/extra_certs/{cert_id}", "platform.extra_certificate.set", "Add extra trusted CA", 7),
    R(M_DELETE, PCS "/extra_certs/{cert_id}", "platform.extra_certificate.delete", "Remove extra trusted CA", 6),
    R(M_POST, PCS "/enrollment-tokens", "platform.enrollment_token.create", "Create host enrollment token", 9),
    R(M_DELETE, PCS "/enrollment-tokens/{token}", "platform.enrollment_token.delete", "Revoke enrollment token", 5),
    R(M_POST, PC "/trust-relationships", "platform.trust_relationship.create", "Create trust relationship", 8),
    R(M_PUT, PC "/trust-relationships/{trust_relationship_id}", "platform.trust_relationship.update", "Update trust relationship", 8),
    R(M_DELETE, PC "/trust-relationships/{trust_relationship_id}", "platform.trust_relationship.delete", "Delete trust relationship", 8),
    R(M_PUT, PC "/snapshots/repositories/{repository_name}", "platform.snapshot_repository.set", "Set snapshot repository", 7),
    R(M_DELETE, PC "/snapshots/repositories/{repository_name}", "platform.snapshot_repository.delete", "Delete snapshot repository", 7),
    R(M_POST, PC "/store/{config_option_id}", "platform.config_store.create", "Create config-store option", 5),
    R(M_PUT, PC "/store/{config_option_id}", "platform.config_store.update", "Update config-store option", 5),
    R(M_DELETE, PC "/store/{config_option_id}", "platform.config_store.delete", "Delete config-store option", 5),
    R(M_PUT, PC "/api_base_url", "platform.api_base_url.set", "Set API base URL", 6),
    R(M_PUT, PC "/networking/deployment_domain_name", "platform.domain_name.set", "Set deployment domain name", 6),
    R(M_PUT, PC "/networking/deployment_domain_name/{resource_kind}", "platform.domain_name.set", "Set deployment domain name", 6),
    R(M_PUT, "/phone-home/config", "platform.telemetry.set", "Telemetry on/off", 3),
    RO(M_GET, "/phone-home/{path...}", "platform.read", "Read platform", 0),
    RO(M_GET, PC "/{path...}", "platform.config.read", "Read platform configuration", 0),
    /* 3.11 license and stack versions */
    R(M_PUT, "/platform/license", "platform.license.set", "Upload platform license", 7),
    R(M_DELETE, "/platform/license", "platform.license.delete", "Delete platform license", 8),
    R(M_POST, "/stack/versions", "platform.stack_pack.upload", "Upload stack pack", 7),
    R(M_PUT, "/stack/versions/{version}", "platform.stack_version.update", "Update stack version", 6),
    R(M_DELETE, "/stack/versions/{version}", "platform.stack_version.delete", "Delete stack version", 6),
    RO(M_GET, "/stack/{path...}", "platform.read", "Read platform", 0),
    /* 3.12 organisations */
    R(M_PUT, "/organizations/{organization_id}", "org.update", "Update organisation", 5),
    R(M_POST, "/organizations/{organization_id}/invitations", "org.invitation.create", "Invite members", 6),
    R(M_DELETE, "/organizations/{organization_id}/invitations/{invitation_tokens}", "org.invitation.delete", "Revoke invitations", 4),
    R(M_POST, "/organizations/invitations/{invitation_token}/_accept", "org.invitation.accept", "Accept invitation", 6),
    R(M_DELETE, "/organizations/{organization_id}/members/{user_ids}", "org.member.remove", "Remove members", 6),
    RO(M_GET, "/organizations/{path...}", "org.read", "Read organisations", 0),
    /* 3.13 legacy /clusters (ECE <= 2.13) */
    RE(M_POST, "/clusters/{kind}", "deployment.create", "Create deployment", 5, ESC_DEPLOY_CREATE),
    R(M_POST, CL "/plan", "deployment.update", "Update deployment", 5),
    R(M_POST, CLE "/plan/_migrate", "deployment.update", "Update deployment", 5),
    R(M_DELETE, CL, "deployment.delete", "Delete deployment", 8),
    RE(M_POST, CL "/_shutdown", "deployment.shutdown", "Shut down deployment", 8, ESC_SHUTDOWN),
    R(M_POST, CL "/_restart", "deployment.resource.restart", "Restart resource", 6),
    R(M_POST, CL "/_upgrade", "deployment.resource.upgrade", "Upgrade resource", 5),
    R(M_POST, "/clusters/{kind:apm}/{cluster_id}/_reset-token", "deployment.apm_token.reset", "Reset APM secret token", 7),
    R(M_PATCH, CLE "/keystore", "deployment.keystore.update", "Add/remove Elasticsearch keystore secrets", 8),
    R(M_PUT, CLE "/settings/security/legacy", "deployment.legacy_security.set", "Legacy security settings", 8),
    R(M_PUT, CLE "/ccs/settings", "deployment.remote_clusters.set", "Set CCS/CCR remotes", 7),
    R(M_PATCH, CLE "/snapshot/settings", "deployment.snapshot_settings.update", "Snapshot settings", 6),
    R(M_POST, CLE "/_snapshot", "deployment.snapshot.take", "Take snapshot", 3),
    R(M_POST, CLE "/monitoring", "deployment.monitoring.set", "Set monitoring", 4),
    R(M_POST, CLE "/monitoring/{dest_cluster_id}", "deployment.monitoring.set", "Set monitoring", 4),
    R(M_DELETE, CLE "/monitoring", "deployment.monitoring.cancel", "Cancel monitoring", 4),
    R(M_DELETE, CLE "/monitoring/{dest_cluster_id}", "deployment.monitoring.cancel", "Cancel monitoring", 4),
    R(M_POST, CL "/metadata/raw", "deployment.metadata.set_raw", "Set raw resource metadata", 7),
    R(M_PUT, CL "/metadata/name/{new_name}", "deployment.rename", "Rename deployment", 3),
    R(M_DELETE, CL "/plan/pending", "deployment.plan.cancel", "Cancel pending plan", 5),
    R(M_POST, CL "/instances/_start", "deployment.instance.start", "Start instances", 4),
    R(M_POST, CL "/instances/{instance_ids}/_start", "deployment.instance.start", "Start instances", 4),
    R(M_POST, CL "/instances/_stop", "deployment.instance.stop", "Stop instances", 6),
    R(M_POST, CL "/instances/{instance_ids}/_stop", "deployment.instance.stop", "Stop instances", 6),
    R(M_POST, CL "/instances/_move", "deployment.instance.move", "Move instances", 5),
    R(M_POST, CL "/instances/{instance_ids}/_move", "deployment.instance.move", "Move instances", 5),
    R(M_POST, CL "/instances/maintenance-mode/_start", "deployment.instance.maintenance.start", "Stop routing to instances", 5),
    R(M_POST, CL "/instances/{instance_ids}/maintenance-mode/_start", "deployment.instance.maintenance.start", "Stop routing to instances", 5),
    R(M_POST, CL "/instances/maintenance-mode/_stop", "deployment.instance.maintenance.stop", "Resume routing", 4),
    R(M_POST, CL "/instances/{instance_ids}/maintenance-mode/_stop", "deployment.instance.maintenance.stop", "Resume routing", 4),
    RE(M_ANY, CL "/proxy/{proxy_path...}", "deployment.api_console.request", "API console request", 3, ESC_PROXY),
    R(M_GET, CLE "/support/{op:_generate-diagnostics|_generate-logs}", "deployment.diagnostics.capture", "Capture diagnostics bundle", 4),
    RO(M_GET, "/clusters/{path...}", "deployment.read", "Read deployments", 0),
    /* 3.14 outside the public /api/v1 spec */
    R(M_GET, "/sso/v1/go/{sso_target}", "deployment.sso.login", "ECE user SSO into a deployment's Kibana", 5),
    RO(M_GET, "/sso/v1/saml", "deployment.sso.saml_redirect", "SAML redirect step", 1),
    RO(M_POST, "/authorization/_check", "ui.authorization.check", "UI permission probe", 0),
    RO(M_POST, "/api/v0.1/login", "internal.service_login", "Internal service-to-service call", 0),
};

#define N_ROWS (sizeof(table) / sizeof(table[0]))

const struct endpoint *endpoints_rows(size_t *n)
{
    *n = N_ROWS;
    return table;
}

size_t endpoints_count(void)
{
    return N_ROWS;
}

/*
 * A toy enhanced-authentication method for rxmqtt's specs: a mosquitto 2.0 auth plugin
 * (plugin API v4: mosquitto_auth_start / mosquitto_auth_continue), built by the specs
 * with `cc -shared -fPIC` (spec/support/auth-plugin.ts). NOT cryptography: the keyed
 * function is 64-bit FNV-1a, enough to tell a right answer from a wrong one.
 *
 * Method "rxmqtt-test", shared key K (plugin option auth_opt_key, default "secret"):
 *   CONNECT / AUTH 0x19   data = client nonce Nc (any bytes)
 *   AUTH 0x18 (broker)    data = server nonce Ns (16 bytes: a counter and Nc's hash)
 *   AUTH 0x18 (client)    data = H(K, "client", Nc, Ns)            (8 bytes, big-endian)
 *   CONNACK 0x00 / AUTH 0x00 (broker)  data = H(K, "server", Nc, Ns): the broker's proof
 * A wrong answer: MOSQ_ERR_AUTH, which mosquitto 2.0.11 turns into CONNACK 0x87, during CONNECT
 * and (its quirk; §4.12.1 wants DISCONNECT) during re-authentication too.
 * Nonces that start with a mode steer the broker, for the specs:
 *   "ok:"    accept at once (no challenge), proof H(K, "server", Nc, "")
 *   "two:"   two challenges in a row before accepting (each answered as above)
 *   "lie:"   send a wrong proof on success (the client's verify must refuse it)
 * Any other method: MOSQ_ERR_NOT_SUPPORTED (CONNACK 0x8C Bad authentication method).
 * Clients without a method are let in (anonymous), so ordinary clients can share the broker.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

/* mosquitto 2.0's mosq_err_t and log level values (mosquitto.h, which is in libmosquitto-dev:
 * the broker's headers in mosquitto-dev are all this plugin needs besides them). */
#define MOSQ_ERR_AUTH_CONTINUE (-4)
#define MOSQ_ERR_SUCCESS 0
#define MOSQ_ERR_NOMEM 1
#define MOSQ_ERR_NOT_SUPPORTED 10
#define MOSQ_ERR_AUTH 11
#define MOSQ_ERR_PLUGIN_DEFER 17
#define MOSQ_LOG_INFO 0x01

#define METHOD "rxmqtt-test"
#define SLOTS 64
#define NONCE_MAX 256

struct exchange {
	const struct mosquitto *client; /* NULL: free slot */
	uint8_t nc[NONCE_MAX];
	uint16_t nc_len;
	uint8_t ns[16];
	int rounds_left;
};

static struct exchange slots[SLOTS];
static char key[256] = "secret";
static uint64_t counter;

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for(size_t i = 0; i < len; i++){
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* H(K, label, Nc, Ns): FNV-1a 64 over K, 0x00, label, 0x00, Nc, 0x00, Ns. */
static uint64_t keyed(const char *label, const uint8_t *nc, size_t nc_len, const uint8_t *ns, size_t ns_len)
{
	static const uint8_t zero = 0;
	uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv(h, key, strlen(key));
	h = fnv(h, &zero, 1);
	h = fnv(h, label, strlen(label));
	h = fnv(h, &zero, 1);
	h = fnv(h, nc, nc_len);
	h = fnv(h, &zero, 1);
	h = fnv(h, ns, ns_len);
	return h;
}

static void *be64(uint64_t v, uint16_t *len)
{
	uint8_t *out = malloc(8); /* the broker frees it */
	if(!out) return NULL;
	for(int i = 7; i >= 0; i--){ out[i] = (uint8_t)(v & 0xff); v >>= 8; }
	*len = 8;
	return out;
}

static bool starts_with(const struct exchange *x, const char *prefix)
{
	size_t n = strlen(prefix);
	return x->nc_len >= n && memcmp(x->nc, prefix, n) == 0;
}

static struct exchange *slot_for(const struct mosquitto *client, bool create)
{
	struct exchange *free_slot = NULL;
	for(int i = 0; i < SLOTS; i++){
		if(slots[i].client == client) return &slots[i];
		if(!slots[i].client && !free_slot) free_slot = &slots[i];
	}
	if(!create) return NULL;
	if(!free_slot) free_slot = &slots[counter % SLOTS]; /* abandoned exchanges: reuse */
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->client = client;
	return free_slot;
}

static int challenge(struct exchange *x, void **data_out, uint16_t *data_out_len)
{
	uint64_t c = ++counter;
	uint64_t h = fnv(0xcbf29ce484222325ULL, x->nc, x->nc_len);
	for(int i = 0; i < 8; i++){ x->ns[i] = (uint8_t)(c >> (8 * (7 - i))); x->ns[8 + i] = (uint8_t)(h >> (8 * (7 - i))); }
	uint8_t *out = malloc(16);
	if(!out) return MOSQ_ERR_NOMEM;
	memcpy(out, x->ns, 16);
	*data_out = out;
	*data_out_len = 16;
	return MOSQ_ERR_AUTH_CONTINUE;
}

static int succeed(struct exchange *x, const uint8_t *ns, size_t ns_len, void **data_out, uint16_t *data_out_len)
{
	uint64_t proof = keyed("server", x->nc, x->nc_len, ns, ns_len);
	if(starts_with(x, "lie:")) proof ^= 1;
	*data_out = be64(proof, data_out_len);
	x->client = NULL;
	return *data_out ? MOSQ_ERR_SUCCESS : MOSQ_ERR_NOMEM;
}

int mosquitto_auth_start(void *user_data, struct mosquitto *client, const char *method, bool reauth, const void *data_in, uint16_t data_in_len, void **data_out, uint16_t *data_out_len)
{
	(void)user_data;
	if(!method || strcmp(method, METHOD)) return MOSQ_ERR_NOT_SUPPORTED;
	if(data_in_len > NONCE_MAX) return MOSQ_ERR_AUTH;
	struct exchange *x = slot_for(client, true);
	memcpy(x->nc, data_in, data_in_len);
	x->nc_len = data_in_len;
	mosquitto_log_printf(MOSQ_LOG_INFO, "rxmqtt-test: %s from %s", reauth ? "re-authentication" : "authentication", mosquitto_client_id(client));
	if(starts_with(x, "ok:")) return succeed(x, NULL, 0, data_out, data_out_len);
	x->rounds_left = starts_with(x, "two:") ? 2 : 1;
	return challenge(x, data_out, data_out_len);
}

int mosquitto_auth_continue(void *user_data, struct mosquitto *client, const char *method, const void *data_in, uint16_t data_in_len, void **data_out, uint16_t *data_out_len)
{
	(void)user_data;
	if(!method || strcmp(method, METHOD)) return MOSQ_ERR_NOT_SUPPORTED;
	struct exchange *x = slot_for(client, false);
	if(!x) return MOSQ_ERR_AUTH;
	uint64_t expected = keyed("client", x->nc, x->nc_len, x->ns, 16);
	uint8_t want[8];
	for(int i = 0; i < 8; i++) want[i] = (uint8_t)(expected >> (8 * (7 - i)));
	if(data_in_len != 8 || memcmp(data_in, want, 8) != 0){
		mosquitto_log_printf(MOSQ_LOG_INFO, "rxmqtt-test: wrong answer from %s", mosquitto_client_id(client));
		x->client = NULL;
		return MOSQ_ERR_AUTH;
	}
	if(--x->rounds_left > 0) return challenge(x, data_out, data_out_len);
	uint8_t ns[16];
	memcpy(ns, x->ns, 16);
	return succeed(x, ns, 16, data_out, data_out_len);
}

int mosquitto_auth_plugin_version(void) { return 4; }

int mosquitto_auth_plugin_init(void **user_data, struct mosquitto_opt *opts, int opt_count)
{
	*user_data = NULL;
	for(int i = 0; i < opt_count; i++){
		if(!strcmp(opts[i].key, "key") && strlen(opts[i].value) < sizeof(key)) strcpy(key, opts[i].value);
	}
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_auth_plugin_cleanup(void *user_data, struct mosquitto_opt *opts, int opt_count) { (void)user_data; (void)opts; (void)opt_count; return MOSQ_ERR_SUCCESS; }
int mosquitto_auth_security_init(void *user_data, struct mosquitto_opt *opts, int opt_count, bool reload) { (void)user_data; (void)opts; (void)opt_count; (void)reload; return MOSQ_ERR_SUCCESS; }
int mosquitto_auth_security_cleanup(void *user_data, struct mosquitto_opt *opts, int opt_count, bool reload) { (void)user_data; (void)opts; (void)opt_count; (void)reload; return MOSQ_ERR_SUCCESS; }
int mosquitto_auth_acl_check(void *user_data, int access, struct mosquitto *client, const struct mosquitto_acl_msg *msg) { (void)user_data; (void)access; (void)client; (void)msg; return MOSQ_ERR_SUCCESS; }
int mosquitto_auth_unpwd_check(void *user_data, struct mosquitto *client, const char *username, const char *password) { (void)user_data; (void)client; (void)username; (void)password; return MOSQ_ERR_SUCCESS; }
int mosquitto_auth_psk_key_get(void *user_data, struct mosquitto *client, const char *hint, const char *identity, char *key_out, int max_key_len) { (void)user_data; (void)client; (void)hint; (void)identity; (void)key_out; (void)max_key_len; return MOSQ_ERR_PLUGIN_DEFER; }

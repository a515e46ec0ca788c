// Runs once, on an empty data directory, with the root account (docker-entrypoint-initdb.d).
// The services connect as pdo-services, which may read and write the nine services'
// databases of the region (pdo_<region>_<service>, libs/runtime.make_store) and nothing
// else: no admin, no other database. Its password comes from the environment.
const region = process.env.PDO_REGION;
const password = process.env.MONGO_PDO_PASSWORD;
if (!region || !password) {
  throw new Error("PDO_REGION and MONGO_PDO_PASSWORD must be set");
}
const services = [
  "identity", "catalog", "request_review", "sandbox_broker", "product_release",
  "trading_bridge", "billing", "evaluation", "disclosure",
];
db.getSiblingDB("admin").createUser({
  user: "pdo-services",
  pwd: password,
  roles: services.map((s) => ({ role: "readWrite", db: `pdo_${region}_${s}` })),
});

// The Neo4j GraphQL Library serving the type definitions bench/queries.py derives from schema/model.yaml,
// over the same Neo4j, so the benchmark can compare it with our API on the same questions and data.
//   node server.mjs TYPEDEFS_FILE PORT   (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE from the environment)
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Neo4jGraphQL } from "@neo4j/graphql";
import { createYoga } from "graphql-yoga";
import neo4j from "neo4j-driver";

const [typeDefsFile, port] = process.argv.slice(2);
const env = process.env;
const driver = neo4j.driver(env.NEO4J_URI, neo4j.auth.basic(env.NEO4J_USER ?? "neo4j", env.NEO4J_PASSWORD ?? ""), {
  maxConnectionPoolSize: 64,
});
const schema = await new Neo4jGraphQL({ typeDefs: readFileSync(typeDefsFile, "utf8"), driver }).getSchema();
const yoga = createYoga({
  schema,
  context: { sessionConfig: { database: env.NEO4J_DATABASE ?? "neo4j" } },
  graphiql: false,
  logging: "error",
});
createServer(yoga).listen(Number(port), "127.0.0.1", () => console.log(`listening on ${port}`));

// Starts the farm: store, engine pool, Farm, and the gRPC server with the Builder
// service, grpc.health.v1 and server reflection (so load balancers and grpcurl work).
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "pino";
import { FARM_DESCRIPTOR_SET_BASE64 } from "../gen/farm-descriptor.js";
import type { FarmConfig } from "./config.js";
import { dockerFor } from "./docker-host.js";
import { runEngineJob } from "./engine-job.js";
import { Farm } from "./farm.js";
import { FrontendImages } from "./frontend-image.js";
import { EnginePool } from "./pool.js";
import { BUILDER_SERVICE, builderService } from "./rpc.js";
import { builderHandlers } from "./service.js";
import { JobStore } from "./store.js";

export interface RunningFarm {
  farm: Farm;
  /** The address it listens on (with the port chosen when the config said :0). */
  address: string;
  /** Graceful: stop accepting, let builds finish until the grace deadline, requeue the rest. */
  close(graceMs?: number): Promise<void>;
}

function bindAddress(listen: string): string {
  return listen.startsWith("unix:") ? listen : listen.replace(/^tcp:\/\//, "");
}

export async function startFarm(config: FarmConfig, log: Logger): Promise<RunningFarm> {
  const store = new JobStore(join(config.storeDir, "jobs.sqlite"));
  const pool = new EnginePool(config.engines);
  const frontend = new FrontendImages(
    config.frontendImage,
    config.frontendSource ? dockerFor(config.frontendSource) : undefined,
  );
  const farm = new Farm({
    config,
    store,
    pool,
    log,
    prepareEngine: (e) => frontend.ensure(e.docker),
    imageSize: async (e, id) => (await e.docker.getImage(id).inspect()).Size,
    build: (req, onEvent) =>
      runEngineJob(
        {
          engine: req.engine,
          spec: req.job.spec ?? {},
          tar: req.tar,
          frontendImage: config.frontendImage,
          registries: config.registries,
          signal: req.signal,
        },
        onEvent,
      ),
  });
  const server = new grpc.Server({ "grpc.max_receive_message_length": 4 << 20 });
  server.addService(builderService, builderHandlers(farm, config, log));
  const health = new HealthImplementation({ "": "SERVING", [BUILDER_SERVICE]: "SERVING" });
  health.addToServer(server);
  const pkg = loadFileDescriptorSetFromBuffer(Buffer.from(FARM_DESCRIPTOR_SET_BASE64, "base64"));
  new ReflectionService(pkg).addToServer(server);
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync(bindAddress(config.listen), grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? rej(err) : res(p),
    ),
  );
  await farm.start();
  const address = config.listen.startsWith("unix:")
    ? config.listen
    : config.listen.replace(/:\d+$/, `:${port}`);
  log.info({ address, engines: config.engines.map((e) => e.name) }, "farm listening");
  return {
    farm,
    address,
    async close(graceMs) {
      health.setStatus("", "NOT_SERVING");
      health.setStatus(BUILDER_SERVICE, "NOT_SERVING");
      await farm.shutdown(graceMs);
      await new Promise<void>((res) => server.tryShutdown(() => res()));
      store.close();
    },
  };
}

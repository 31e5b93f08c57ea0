// Sizes of the standard objects' engine-managed storage. Each can be set
// for a whole build (they must agree across it) with -D, e.g. the minimal
// Cortex-M4 image sets SIROCCO_CLIENT_MAX_SERVERS=1 SIROCCO_CLIENT_MAX_URI=48.
#pragma once

/// LwM2M servers (Server instances); Security has one more (bootstrap).
/// Same macro and default as engine.hpp, which sizes its accounts with it.
#ifndef SIROCCO_CLIENT_MAX_SERVERS
#define SIROCCO_CLIENT_MAX_SERVERS 2
#endif
/// Bytes of a server URI (/0/x/0) and of a Package URI (/5/0/1); same
/// macro and default as engine.hpp.
#ifndef SIROCCO_CLIENT_MAX_URI
#define SIROCCO_CLIENT_MAX_URI 64
#endif
/// Bytes of a PSK identity, PSK key or raw public key (/0/x/3, /0/x/4, /0/x/5).
#ifndef SIROCCO_CLIENT_KEY_SIZE
#define SIROCCO_CLIENT_KEY_SIZE 32
#endif
/// Bytes of the Device object's strings (manufacturer, model, serial, ...).
#ifndef SIROCCO_CLIENT_DEVICE_STRING_SIZE
#define SIROCCO_CLIENT_DEVICE_STRING_SIZE 24
#endif
/// Access Control instances (object 2).
#ifndef SIROCCO_CLIENT_MAX_ACL
#define SIROCCO_CLIENT_MAX_ACL 4
#endif
/// Instances of each IPSO object (3300, 3303, 3311, 3342).
#ifndef SIROCCO_CLIENT_MAX_IPSO_INSTANCES
#define SIROCCO_CLIENT_MAX_IPSO_INSTANCES 2
#endif

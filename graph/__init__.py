"""The GraphQL adapter: schema, types, resolvers, loaders, permissions and limits."""

#!/usr/bin/python3
"""Writes the GIN reference fixtures that tests/gnn/gin_reference_test.cpp and
tests/chem/graph_features_test.cpp must reproduce:

  tests/fixtures/gin_reference.pth   random GIN weights, saved by torch.save
                                     (zip format) with pretrain-gnns' key names
  tests/fixtures/gin_reference.json  molecules, their graph features, and
                                     their embeddings under those weights

The GIN and the featurisation are written here from the published
architecture (Hu et al. 2020, "Strategies for Pre-training Graph Neural
Networks", and its code's model.py / loader.py, as Mole-BERT reuses them),
with plain torch operations instead of torch_geometric:

  features  atom: [atomic_num - 1 (0..117), chirality index among
            CHI_UNSPECIFIED, CW, CCW, CHI_OTHER]; bond (both directions,
            forward first): [SINGLE 0 / DOUBLE 1 / TRIPLE 2 / AROMATIC 3,
            NONE 0 / ENDUPRIGHT 1 / ENDDOWNRIGHT 2].
            Where pretrain-gnns raises (list.index fails), icma defines:
            dummy atoms -> atom type 119 (the mask token), newer RDKit chiral
            tags -> 3 (other), other bond types (dative, ...) -> 5 (the mask
            token), other bond directions -> 0. The model has 3 chirality
            embeddings, so chirality 3 is read as 0 (pretrain-gnns: IndexError).
  GIN       h0 = x_embedding1[atom] + x_embedding2[chirality]; per layer:
            add a self-loop per node (bond type 4, direction 0), message
            h_j + edge_embedding1[type] + edge_embedding2[dir] summed at the
            target, mlp = Linear(emb, 2emb), ReLU, Linear(2emb, emb), batch
            norm, ReLU except after the last layer; JK "last"; mean pooling.

The width is 32 rather than the published 300, so that the weights stay a
small file; the C++ code reads the width off the weights, and its fast path
is checked against its own reference path at width 300 separately. Batch-norm
running statistics are those of training-mode passes over the molecules, so
the activations have realistic scales; the affine parameters are randomised.
Embeddings are computed in float64 from the float32 weights.

Run from the repository root with Debian's interpreter (python3-torch 1.13,
python3-rdkit 2022.09):

    /usr/bin/python3 tests/reference/gin_reference.py [--shared DIR]
"""

import argparse
import json
import os

import torch
from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")

EMB = 32
LAYERS = 5
SEED = 20240404
CHEBI_ROWS = 200

EDGE_CASES = [
    "C",                      # single atom, no bonds
    "[Na+].[Cl-]",            # ions: two unbonded atoms
    "[Fe]",
    "[H][H]",                 # explicit hydrogens RDKit keeps
    "*C(=O)O",                # a dummy atom
    "F/C=C/F",                # bond directions
    "F/C=C\\F",
    "N[C@@H](C)C(=O)O",       # tetrahedral chirality
    "F[Pt@SP1](Cl)(Br)I",     # square-planar: a chiral tag newer than the list
    "N->[Pt]",                # a dative bond
    "c1ccccc1",
    "C#N",
]

CHIRALITY = [
    Chem.rdchem.ChiralType.CHI_UNSPECIFIED,
    Chem.rdchem.ChiralType.CHI_TETRAHEDRAL_CW,
    Chem.rdchem.ChiralType.CHI_TETRAHEDRAL_CCW,
    Chem.rdchem.ChiralType.CHI_OTHER,
]
BOND_TYPES = [Chem.rdchem.BondType.SINGLE, Chem.rdchem.BondType.DOUBLE,
              Chem.rdchem.BondType.TRIPLE, Chem.rdchem.BondType.AROMATIC]
BOND_DIRS = [Chem.rdchem.BondDir.NONE, Chem.rdchem.BondDir.ENDUPRIGHT, Chem.rdchem.BondDir.ENDDOWNRIGHT]


def featurise(mol):
    atoms = []
    for atom in mol.GetAtoms():
        z = atom.GetAtomicNum()
        tag = atom.GetChiralTag()
        atoms.append([z - 1 if 1 <= z <= 118 else 119, CHIRALITY.index(tag) if tag in CHIRALITY else 3])
    edges, attrs = [], []
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        kind = BOND_TYPES.index(bond.GetBondType()) if bond.GetBondType() in BOND_TYPES else 5
        direction = BOND_DIRS.index(bond.GetBondDir()) if bond.GetBondDir() in BOND_DIRS else 0
        edges += [[i, j], [j, i]]
        attrs += [[kind, direction], [kind, direction]]
    return atoms, edges, attrs


class GINConv(torch.nn.Module):
    def __init__(self, emb):
        super().__init__()
        self.mlp = torch.nn.Sequential(torch.nn.Linear(emb, 2 * emb), torch.nn.ReLU(), torch.nn.Linear(2 * emb, emb))
        self.edge_embedding1 = torch.nn.Embedding(6, emb)
        self.edge_embedding2 = torch.nn.Embedding(3, emb)
        torch.nn.init.xavier_uniform_(self.edge_embedding1.weight)
        torch.nn.init.xavier_uniform_(self.edge_embedding2.weight)

    def forward(self, x, edge_index, edge_attr):
        n = x.size(0)
        loops = torch.arange(n)
        edge_index = torch.cat([edge_index, torch.stack([loops, loops])], dim=1)
        loop_attr = torch.zeros(n, 2, dtype=torch.long)
        loop_attr[:, 0] = 4
        edge_attr = torch.cat([edge_attr, loop_attr], dim=0)
        edge = self.edge_embedding1(edge_attr[:, 0]) + self.edge_embedding2(edge_attr[:, 1])
        messages = x[edge_index[0]] + edge
        summed = torch.zeros_like(x).index_add_(0, edge_index[1], messages)
        return self.mlp(summed)


class GNN(torch.nn.Module):
    def __init__(self, layers, emb):
        super().__init__()
        self.x_embedding1 = torch.nn.Embedding(120, emb)
        self.x_embedding2 = torch.nn.Embedding(3, emb)
        torch.nn.init.xavier_uniform_(self.x_embedding1.weight)
        torch.nn.init.xavier_uniform_(self.x_embedding2.weight)
        self.gnns = torch.nn.ModuleList([GINConv(emb) for _ in range(layers)])
        self.batch_norms = torch.nn.ModuleList([torch.nn.BatchNorm1d(emb) for _ in range(layers)])

    def forward(self, x, edge_index, edge_attr, graph_of_node, graphs):
        chirality = torch.where(x[:, 1] >= 3, torch.zeros_like(x[:, 1]), x[:, 1])
        h = self.x_embedding1(x[:, 0]) + self.x_embedding2(chirality)
        for layer, (conv, norm) in enumerate(zip(self.gnns, self.batch_norms)):
            h = norm(conv(h, edge_index, edge_attr))
            if layer + 1 < len(self.gnns):
                h = torch.relu(h)
        sums = torch.zeros(graphs, h.size(1), dtype=h.dtype).index_add_(0, graph_of_node, h)
        counts = torch.bincount(graph_of_node, minlength=graphs).to(h.dtype)
        return sums / counts.unsqueeze(1)


def batch(graphs):
    x, edges, attrs, owner, offset = [], [], [], [], 0
    for g, (atoms, e, a) in enumerate(graphs):
        x += atoms
        edges += [[i + offset, j + offset] for i, j in e]
        attrs += a
        owner += [g] * len(atoms)
        offset += len(atoms)
    edge_index = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).t().contiguous()
    edge_attr = torch.tensor(attrs, dtype=torch.long).reshape(-1, 2)
    return torch.tensor(x, dtype=torch.long), edge_index, edge_attr, torch.tensor(owner, dtype=torch.long), len(graphs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.environ.get("ICMA_SHARED_DIR", "../shared"))
    parser.add_argument("--out", default="tests/fixtures")
    args = parser.parse_args()

    with open(os.path.join(args.shared, "data/chebi20/test.txt"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    smiles = [row[1] for row in rows[:CHEBI_ROWS]] + EDGE_CASES
    graphs = [featurise(Chem.MolFromSmiles(s)) for s in smiles]

    torch.manual_seed(SEED)
    model = GNN(LAYERS, EMB)
    with torch.no_grad():
        for norm in model.batch_norms:
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.3, 0.3)
            norm.momentum = None  # cumulative averages over the passes below
    model.train()
    with torch.no_grad():
        for start in range(0, len(graphs), 53):
            model(*batch(graphs[start:start + 53]))
    model.eval()
    state = model.state_dict()
    torch.save(state, os.path.join(args.out, "gin_reference.pth"))

    reference = GNN(LAYERS, EMB).double()
    reference.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in state.items()})
    reference.eval()
    with torch.no_grad():
        embeddings = reference(*batch(graphs))
        # Embedded one at a time too: batching must not change a molecule's vector.
        single = torch.cat([reference(*batch([g])) for g in graphs[:5]])
    assert torch.allclose(single, embeddings[:5], atol=1e-12)

    fixture = {
        "generator": "tests/reference/gin_reference.py",
        "weights": "gin_reference.pth",
        "num_layers": LAYERS,
        "emb_dim": EMB,
        "smiles": smiles,
        "chebi20_rows": CHEBI_ROWS,
        # Graph features of the edge cases and the first 20 ChEBI-20 molecules.
        "features": [
            {"index": i, "x": graphs[i][0], "edge_index": graphs[i][1], "edge_attr": graphs[i][2]}
            for i in list(range(20)) + list(range(CHEBI_ROWS, len(smiles)))
        ],
        "embeddings": [[round(v, 9) for v in row] for row in embeddings.tolist()],
    }
    with open(os.path.join(args.out, "gin_reference.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()

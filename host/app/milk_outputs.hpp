// SPDX-License-Identifier: MIT
// What the secretion mechanics add to a run's outputs (DESIGN §3, docs/secretion.md):
//   timeseries.csv  over each output interval: outlet_flow_uL_per_day (water out at the outlets, from
//                   the face velocities), outlet_<species>_mM (flow-weighted: moles out / water out;
//                   the outlet voxels' mean where no water left), milk_osmolarity_mOsm_per_L (Σ σ c of
//                   the outlet milk + the lumen's background), milk_Na_to_K, transepithelial_potential_mV
//                   (lumen relative to interstitium, the largest lumen's node; solved potentials only),
//                   apical_water_flux_uL_per_day (water into the lumen), water_balance_error_rel
//                   (cumulative (in − out)/max(in, out)), pressure_residual_rel, potential_iterations,
//                   and with [model] secretory_tissue_g: gland_milk_mL_per_day = outlet flow × scale,
//                   scale = secretory_tissue_g / (volume of the modelled, non-stroma voxels ×
//                   tissue_density_g_per_mL): the whole gland made of tissue like the domain's
//                   (docs/human-milk-model.md "Gland scaling")
//                   Drugs (drug_exposure.hpp): for a lumen species whose plasma varies (plasma_pk or a
//                   clamp schedule), cumulative auc_<species>_mM_h.<plasma compartment> (exact integral),
//                   outlet_auc_<species>_mM_h (Σ interval outlet concentration × interval) and
//                   milk_to_plasma_auc_<species>; for a species with a milk_fat_partition,
//                   outlet_<species>_whole_milk_mM (and its AUC and M/P where those exist)
//                   Calcium ([milk_calcium], when its calcium species is in a lumen): the outlet milk's
//                   flow-weighted total Ca, citrate and phosphate speciated at the milk's pH with casein's
//                   sites (kernels/physics/calcium_speciation.hpp): outlet_Ca_ionised_mM (free Ca²⁺),
//                   outlet_Ca_citrate_mM (CaCit⁻), outlet_Ca_phosphate_mM (CaHPO₄ + CaH₂PO₄⁺ + CaPO₄⁻),
//                   outlet_Ca_casein_mM, milk_ionic_strength_mM (the I of the activity coefficients);
//                   the four Ca columns sum to outlet_Ca_mM (docs/human-milk-model.md "Ionised calcium")
//                   Storage ([storage] on; host/milk_storage.hpp): store_volume_uL (the domain's share),
//                   store_fullness (0-1), store_pressure_kPa (p(V), with the ejection rise during a feed),
//                   feeding (1 during a feed), ejected_uL_per_day (over the interval, the domain's) and
//                   gland_ejected_mL_per_day (× the gland scale: the milk the infant receives a day)
//   .vti            pressure_Pa (with storage: the store's pressure added in the lumen), velocity_um_per_s (3 components, the mean of each axis's two faces),
//                   potential_mV (per voxel, from its node; 0 = ground), water_source_per_s (q)
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/app/drug_exposure.hpp"
#include "host/app/run_record.hpp"
#include "host/simulation.hpp"
#include "visualization/vtk_output.hpp"

namespace lactosim {

// Ca speciation of milk of composition c_mM (per species, mM or g/L as the model's units) by the
// model's [milk_calcium] settings; an absent citrate or phosphate counts as none. The ionic strength
// is [milk_calcium] ionic_strength_M, or computed: ½ Σ c z² of the charged mM species other than Ca,
// citrate and phosphate, plus the speciated ones' own.
physics::CalciumSpeciation milk_calcium_speciation(const Model& m, const std::vector<double>& c_mM);

class MilkOutputs {
 public:
  explicit MilkOutputs(const Simulation& sim);
  // Tissue mass of the domain (g): modelled (non-stroma) voxels × h³ × tissue density.
  static double domain_tissue_g(const Simulation& sim);
  double gland_scale() const { return gland_scale_; }
  bool active() const { return active_; }
  std::vector<std::string> csv_columns() const;
  // Values over the interval since the previous call (the first call: since t = 0).
  std::vector<double> csv_row(const Simulation& sim);
  // Where the interval columns start (the cumulative values at the previous row): a checkpoint keeps
  // it, so the first row after a restart covers the same interval as the uninterrupted run's.
  // The drugs' areas so far are in it too: they are sums over the rows.
  struct Cursor {
    double time_s = 0, water_in_m3 = 0, water_out_m3 = 0;
    std::vector<double> outflow_mol;
    std::vector<double> drug_auc_mM_s;  // per drug: skim plasma, skim milk, whole plasma, whole milk
    std::vector<double> store_ejected_m3;  // with storage: the store's ejected total at the previous row
  };
  Cursor cursor() const;
  void resume(const Cursor& c);
  // The drugs' areas under the curve so far (run.json); species with a varying plasma only.
  std::vector<RunRecord::DrugExposure> drug_exposure() const;
  // Cell arrays for the snapshot at the simulation's current time: of the interior z planes
  // z_begin … z_end − 1 (a snapshot written in pieces), from `snap` = sim.secretion_snapshot() read once
  // for all pieces.
  std::vector<vis::CellArray> vti_arrays(const Simulation& sim, const step::SecretionSnapshot& snap, int z_begin,
                                         int z_end) const;

 private:
  bool active_ = false, flow_ = false, potentials_ = false;
  int na_ = -1, k_ = -1;                 // species indices of Na and K, if the model has them
  int lumen_node_ = -1;                  // the largest lumen component's node (TEP)
  double lumen_background_mM_ = 0;       // background osmolarity of the (first) lumen compartment
  double gland_scale_ = 0;               // secretory tissue mass / domain tissue mass; 0 = no column
  std::vector<std::string> names_;       // species names with their unit suffix
  std::vector<std::uint8_t> in_lumen_;   // Problem::advected: in a lumen compartment (has an outlet column)
  // Drugs: per species, the compartment of its varying plasma (−1: none) and its areas so far; the fat
  // partition (unset: no whole-milk columns).
  struct Drug {
    int species = -1, plasma = -1;
    std::string name, unit_suffix, plasma_name;  // for the column names
    std::optional<double> fat_partition;
    ExposureAuc skim, whole;
  };
  std::vector<Drug> drugs_;
  bool calcium_ = false;                 // Ca speciation columns ([milk_calcium] calcium species in a lumen)
  int fat_ = -1;                         // the milk fat species (Model::milk_fat)
  double fat_density_g_per_mL_ = 0.92;
  std::vector<std::string> drug_columns() const;
  // Cumulative values at the previous row.
  double previous_time_s_ = 0, previous_water_in_m3_ = 0, previous_water_out_m3_ = 0;
  std::vector<double> previous_outflow_mol_;
  bool store_ = false;                   // [storage] on: the store's columns
  double previous_ejected_m3_ = 0;
};

}  // namespace lactosim
